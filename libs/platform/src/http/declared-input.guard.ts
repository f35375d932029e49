import { SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FieldProblem } from './field-problems';
import { hasRequestBody } from './has-body';
import { invalidPayload } from './validation.pipe';

const UNCHECKED_INPUT = 'playlist-chat:unchecked-input';

/**
 * Exempts a controller (or one route) from `DeclaredInputGuard`: for routes that are not API
 * calls and must answer whatever a probe or a browser adds to the URL (`/health/*` for probes,
 * `/metrics` for scrapers, `/docs` whose Swagger UI puts its state in the query).
 */
export const UncheckedInput = (): ClassDecorator & MethodDecorator => SetMetadata(UNCHECKED_INPUT, true);

/** What a route reads: `any` (a whole-object `@Query()`/`@Body()`: its DTO decides), or these keys. */
type Accepted = 'any' | ReadonlySet<string>;

interface DeclaredInput {
  readonly query: Accepted;
  readonly body: Accepted;
}

// Nest's RouteParamtypes (not exported from the package root).
const { REQUEST, BODY, QUERY, RAW_BODY } = RouteParamtypes;

/** The part of an Express request read here. */
interface InputRequest {
  readonly url?: string;
  readonly query?: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

const NOTHING: ReadonlySet<string> = new Set();

/**
 * Refuses what a route would otherwise drop without a word: query parameters on a route that
 * declares no `@Query()`, and a non-empty body on one that declares no `@Body()` (400
 * `invalid-payload` naming each field, or `body`). Routes with a whole-object `@Query()` /
 * `@Body()` are left to the validation pipe, whose DTO whitelist refuses unknown fields;
 * `@Query('key')` / `@Body('key')` routes accept those keys only.
 *
 * What each route declares is read from Nest's route-argument metadata once per handler and kept
 * (a WeakMap); a request then costs a map lookup, a `?` search in its URL and a look at its body.
 * A global guard runs before the route's own guards, so this refusal comes before the token
 * check, like the body parser's. Routes marked `@UncheckedInput()` and routes that take the raw
 * request (`@Req()`) are not checked.
 */
export class DeclaredInputGuard implements CanActivate {
  private readonly declared = new WeakMap<object, DeclaredInput | null>();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const handler = context.getHandler();
    let input = this.declared.get(handler);
    if (input === undefined) this.declared.set(handler, (input = declaredInput(context.getClass(), handler)));
    if (input === null) return true;
    const request = context.switchToHttp().getRequest<InputRequest>();
    const problems: FieldProblem[] = [];
    if (input.query !== 'any' && request.url?.includes('?'))
      unknownKeys(request.query ?? {}, input.query, problems);
    if (input.body !== 'any') unknownBody(request, input.body, problems);
    if (problems.length > 0) throw invalidPayload(problems);
    return true;
  }
}

function declaredInput(controller: object, handler: { readonly name: string }): DeclaredInput | null {
  if (Reflect.getMetadata(UNCHECKED_INPUT, controller) || Reflect.getMetadata(UNCHECKED_INPUT, handler))
    return null;
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<
    string,
    { readonly data?: unknown }
  >;
  let query: Accepted = NOTHING;
  let body: Accepted = NOTHING;
  for (const [key, { data }] of Object.entries(args)) {
    const type = Number(key.split(':')[0]) as RouteParamtypes; // custom decorators' keys are not numbers
    if (type === REQUEST) return null;
    if (type === QUERY) query = accept(query, data);
    if (type === BODY || type === RAW_BODY) body = accept(body, type === RAW_BODY ? undefined : data);
  }
  return { query, body };
}

function accept(accepted: Accepted, data: unknown): Accepted {
  if (accepted === 'any' || typeof data !== 'string') return 'any';
  return new Set([...accepted, data]);
}

function unknownKeys(values: object, accepted: ReadonlySet<string>, problems: FieldProblem[]): void {
  for (const key of Object.keys(values))
    if (!accepted.has(key)) problems.push({ field: key, reason: `property ${key} should not exist` });
}

/** A body where none is declared: each unknown key of a JSON object, or `body` for anything else. */
function unknownBody(request: InputRequest, accepted: ReadonlySet<string>, problems: FieldProblem[]): void {
  const body = request.body;
  if (body === undefined) {
    // Not parsed (an app without a body parser, like the gateway): refuse it unread.
    if (hasRequestBody(request.headers))
      problems.push({ field: 'body', reason: 'this endpoint takes no body' });
    return;
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body))
    unknownKeys(body, accepted, problems);
  else problems.push({ field: 'body', reason: 'this endpoint takes no body' });
}
