/** Default deepest nesting of a JSON body (objects and arrays) that the apps accept. */
export const DEFAULT_MAX_JSON_DEPTH = 32;

/**
 * True when `value` nests objects or arrays deeper than `max`. Iterative, so a hostile body
 * cannot overflow the stack here (class-transformer's recursion would, with a 500).
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}
