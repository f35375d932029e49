import {
  Catch,
  HttpException,
  Logger,
  NotFoundException,
  type ArgumentsHost,
  type ExceptionFilter,
  type ExecutionContext,
} from '@nestjs/common';
import { CatalogueError } from './catalogue-error';
import { describeProblems, type FieldProblem } from './field-problems';
import { codeForStatus, refusalBody, type RefusalBody } from './refusal';
import { scrubUrl } from '../logging/redaction';

interface HttpResponse {
  readonly headersSent: boolean;
  status(code: number): HttpResponse;
  json(body: unknown): void;
  setHeader(name: string, value: string): void;
  end(): void;
}

/** The part of an Express request read here (the router only on a 404 and a shadowed route). */
export interface RoutedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly originalUrl?: string;
  readonly app?: { readonly router?: { readonly stack?: readonly RouterLayer[] } };
}

interface RouterLayer {
  readonly route?: { readonly path?: unknown; readonly methods?: Readonly<Record<string, boolean>> };
  /** What matched (its `params`), or false; an older router answers true and keeps `params` on the layer. */
  match(path: string): { readonly params?: object } | boolean;
  readonly params?: object;
}

/**
 * Thrown where a request must be answered as if no route had taken it: the filter answers 404,
 * or 405 with `Allow`, from the route table.
 */
export class NoRouteException extends NotFoundException {}

/** What the body parser (http-errors) and Express's router attach to the errors Nest wraps. */
interface ParserFailure {
  readonly type?: string;
  readonly limit?: number;
  readonly status?: number;
  readonly statusCode?: number;
  /** The body text, on a parse failure. */
  readonly body?: unknown;
}

interface Refusal {
  readonly body: RefusalBody | Record<string, unknown>;
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Every REST refusal of every app, in one place, with the body the catalogue documents:
 * `{ statusCode, error, code, message, errors? }` (`errors` only when fields were named).
 *
 * - a CatalogueError: its code, status and message;
 * - an HttpException whose body already has a `code` (the validation pipe's, the token guard's):
 *   that body;
 * - anything else Nest, Express or the body parser refuse: the platform's code for it
 *   (`PLATFORM_REFUSAL_CODES`): `invalid-json`, `payload-too-large`, `unsupported-media-type`,
 *   `invalid-payload` naming `body` (undecodable) or `path` (bad percent-encoding), `not-found`,
 *   `method-not-allowed` (with `Allow`), …;
 * - an unexpected error: 500 `internal-error`, logged with its stack, no detail to the caller.
 *
 * An HttpException with a body of the app's own shape (no `message`: e.g. the health checks'
 * 503 with the failing indicators) keeps that body. The success path never comes here.
 */
@Catch()
export class CatalogueErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<RoutedRequest>();
    const response = http.getResponse<HttpResponse>();
    const refusal = this.refusalFor(exception, request, host);
    if (response.headersSent) {
      response.end();
      return;
    }
    for (const [name, value] of Object.entries(refusal.headers ?? {})) response.setHeader(name, value);
    response.status(refusal.status).json(refusal.body);
  }

  private refusalFor(exception: unknown, request: RoutedRequest, host: ArgumentsHost): Refusal {
    if (exception instanceof CatalogueError) {
      const caught = exception as CatalogueError<string>;
      const body = refusalBody(caught.status, caught.code, caught.message, caught.fields);
      return { status: caught.status, body, headers: caught.answerHeaders };
    }
    if (exception instanceof HttpException) return this.httpRefusal(exception, request, host);
    this.log.error(
      `${request.method} ${scrubUrl(request.originalUrl ?? request.url ?? '')} failed: ${(exception as Error)?.stack ?? String(exception)}`,
    );
    return { status: 500, body: refusalBody(500, 'internal-error', 'internal server error') };
  }

  private httpRefusal(exception: HttpException, request: RoutedRequest, host: ArgumentsHost): Refusal {
    const status = exception.getStatus();
    const answer = exception.getResponse();
    if (typeof answer === 'object' && answer !== null) {
      const given = answer as Record<string, unknown>;
      if (typeof given.code === 'string') {
        const errors = Array.isArray(given.errors) ? (given.errors as FieldProblem[]) : [];
        return { status, body: refusalBody(status, given.code, messageOf(given.message, status), errors) };
      }
      if (!('message' in given)) return { status, body: given };
    }
    const message = messageOf(
      typeof answer === 'string' ? answer : (answer as { message?: unknown }).message,
      status,
    );
    const cause = exception.cause as (Error & ParserFailure) | undefined;
    if (cause && status === 400) {
      if (cause instanceof URIError)
        return invalidPayloadRefusal({
          field: 'path',
          reason: `is not valid percent-encoding (${cause.message})`,
        });
      if (cause.type === 'entity.parse.failed' || cause instanceof SyntaxError) {
        const scalar = jsonScalarKind(cause.body);
        if (scalar)
          return invalidPayloadRefusal({
            field: 'body',
            reason: `must be a JSON object or array, not ${scalar}`,
          });
        return { status, body: refusalBody(400, 'invalid-json', `body is not valid JSON: ${message}`) };
      }
      if ((cause.statusCode ?? cause.status) === 400)
        return invalidPayloadRefusal({ field: 'body', reason: `could not be read: ${message}` });
    }
    if (cause?.type === 'entity.too.large' && cause.limit !== undefined)
      return {
        status,
        body: refusalBody(413, 'payload-too-large', `request body is larger than ${cause.limit} bytes`),
      };
    if (
      status === 404 &&
      (exception instanceof NoRouteException || (host as Partial<ExecutionContext>).getClass?.() == null)
    )
      return routeNotFound(request);
    return { status, body: refusalBody(status, codeForStatus(status), message) };
  }
}

/** A 400 `invalid-payload` naming one problem, as the validation pipe words it. */
function invalidPayloadRefusal(problem: FieldProblem): Refusal {
  return { status: 400, body: refusalBody(400, 'invalid-payload', describeProblems([problem]), [problem]) };
}

function messageOf(message: unknown, status: number): string {
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return codeForStatus(status).replace(/-/g, ' ');
}

/**
 * What a body the JSON parser refused is, when it is JSON all the same (`null`, `0`, `"x"`): the
 * parser takes objects and arrays only, and words that as a syntax error. Undefined otherwise.
 */
function jsonScalarKind(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (value === null) return 'null';
  return typeof value === 'object' ? undefined : `a ${typeof value}`;
}

/** A request's path, without its query. */
const pathOf = (request: RoutedRequest): string => (request.originalUrl ?? request.url ?? '/').split('?')[0];

/** `path` without a trailing slash: Express matches a route with or without one. */
const withoutTrailingSlash = (path: string): string =>
  path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;

/** Adds a route's methods to `into`, upper case (not Express's `_all`), and HEAD where GET is (Express answers it). */
function addMethods(into: Set<string>, methods: Readonly<Record<string, boolean>>): void {
  for (const [name, on] of Object.entries(methods)) if (on && name !== '_all') into.add(name.toUpperCase());
  if (into.has('GET')) into.add('HEAD');
}

/** The methods routed at a request's path: those of the routes matching it with no parameter, when any do (they alone count then). */
function methodsAt(request: RoutedRequest): Set<string> {
  const path = pathOf(request);
  const methods = new Set<string>();
  const literalMethods = new Set<string>();
  for (const layer of request.app?.router?.stack ?? []) {
    if (!layer.route?.methods) continue;
    let match: ReturnType<RouterLayer['match']>;
    try {
      match = layer.match(path);
    } catch {
      continue;
    }
    if (!match) continue;
    const literal = Object.keys((match === true ? layer.params : match.params) ?? {}).length === 0;
    addMethods(literal ? literalMethods : methods, layer.route.methods);
  }
  return literalMethods.size > 0 ? literalMethods : methods;
}

/** A request's path as routes are matched: without its query and a trailing slash. */
export const routedPath = (request: RoutedRequest): string => withoutTrailingSlash(pathOf(request));

/**
 * Each path a route names without a parameter (`/v1/api/rooms/create`), and the methods routed
 * there, HEAD with GET: read once from the route table, so a request is checked with one lookup.
 */
export function literalRoutes(request: RoutedRequest): ReadonlyMap<string, ReadonlySet<string>> {
  const routes = new Map<string, Set<string>>();
  for (const layer of request.app?.router?.stack ?? []) {
    const path = layer.route?.path;
    if (typeof path !== 'string' || /[:*?(){}]/.test(path) || !layer.route?.methods) continue;
    const key = withoutTrailingSlash(path);
    const methods = routes.get(key) ?? new Set<string>();
    addMethods(methods, layer.route.methods);
    routes.set(key, methods);
  }
  return routes;
}

/**
 * Nest's "no route" (a 404 outside any controller), or a route shadowed by literal ones: 405
 * with `Allow` when the path has routes for other methods, else 404 `not-found`. Reads the router
 * only on this error path.
 */
function routeNotFound(request: RoutedRequest): Refusal {
  const method = request.method ?? 'GET';
  const path = pathOf(request);
  const allowed = methodsAt(request);
  if (allowed.size === 0 || allowed.has(method))
    return { status: 404, body: refusalBody(404, 'not-found', `no route ${method} ${path}`) };
  const list = [...allowed].sort().join(', ');
  return {
    status: 405,
    headers: { allow: list },
    body: refusalBody(405, 'method-not-allowed', `${method} is not allowed on ${path} (allowed: ${list})`),
  };
}
