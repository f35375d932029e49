import { UNPAIRED_SURROGATE } from '../text/code-points';
import type { FieldProblem } from './field-problems';

/** Default deepest nesting of a JSON body (objects and arrays) that the apps accept. */
export const DEFAULT_MAX_JSON_DEPTH = 32;

/**
 * Keys class-transformer skips without a word (its guard against prototype pollution), so the
 * whitelist never sees them: without this check `{"__proto__": …}` would be dropped silently
 * where any other unknown field is refused.
 */
const SILENTLY_DROPPED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor']);

interface Visit {
  readonly node: object;
  readonly depth: number;
  readonly parent: Visit | null;
  readonly key: string;
}

/**
 * What is wrong with a parsed JSON body before it reaches class-transformer, or null: nesting
 * deeper than `maxDepth` (class-transformer's recursion would overflow the stack, a 500), or an
 * own `__proto__` or `constructor` key at any depth, named by its dotted path
 * (`playlist.musics.2.constructor`) with class-validator's words for an unknown field, or a text
 * value holding an unpaired surrogate (which no store can keep as it came).
 * Iterative, so a hostile body cannot overflow the stack here either.
 */
export function bodyShapeProblem(
  value: unknown,
  maxDepth: number = DEFAULT_MAX_JSON_DEPTH,
): FieldProblem | null {
  if (typeof value !== 'object' || value === null) return null;
  const stack: Visit[] = [{ node: value, depth: 1, parent: null, key: '' }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    if (visit.depth > maxDepth) return { field: 'body', reason: `is nested deeper than ${maxDepth} levels` };
    const node = visit.node as Record<string, unknown>;
    for (const key of Object.keys(node)) {
      if (SILENTLY_DROPPED_KEYS.has(key))
        return { field: pathOf(visit, key), reason: `property ${key} should not exist` };
      const child = node[key];
      if (typeof child === 'object' && child !== null)
        stack.push({ node: child, depth: visit.depth + 1, parent: visit, key });
      // JSON may carry a lone surrogate (`"\ud800"`); stored as UTF-8 it would come back as
      // U+FFFD, so what was accepted and what is kept would differ.
      else if (typeof child === 'string' && !child.isWellFormed())
        return {
          field: pathOf(visit, key),
          reason: `${key} ${UNPAIRED_SURROGATE}`,
        };
    }
  }
  return null;
}

/** `a.b.2.key`: built only for the one key refused, so a good body costs no strings. */
function pathOf(visit: Visit, key: string): string {
  const keys = [key];
  for (let at: Visit | null = visit; at?.parent; at = at.parent) keys.unshift(at.key);
  return keys.join('.');
}
