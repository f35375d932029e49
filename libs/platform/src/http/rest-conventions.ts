import type { CanActivate, ExecutionContext, INestApplication } from '@nestjs/common';
import {
  maxHeaderSize,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import {
  CatalogueErrorFilter,
  literalRoutes,
  NoRouteException,
  routedPath,
  type RoutedRequest,
} from './catalogue-error.filter';
import { DeclaredInputGuard } from './declared-input.guard';
import { hasRequestBody } from './has-body';
import { endSocketWithRefusal, refusal, refusalBody } from './refusal';

/** The part of Nest's Express adapter used here. */
interface BodyParserHost {
  useBodyParser?(
    type: 'json',
    rawBody: boolean,
    options: {
      type: (request: IncomingMessage) => boolean;
      verify: (request: IncomingMessage, response: ServerResponse, body: Buffer) => void;
      limit?: number;
    },
  ): void;
}

export interface RestConventionsOptions {
  /**
   * The app reads JSON request bodies (Nest's body parser): refuse any other non-empty body with
   * 415 before it is parsed. False for an app that parses no body (the gateway streams them on).
   */
  readonly jsonBodies: boolean;
  /**
   * Largest JSON body read, in bytes (413 `payload-too-large` above); default the body parser's
   * 100 KiB. An app whose settings allow larger bodies passes a limit derived from them.
   */
  readonly jsonBodyLimitBytes?: number;
  /** Headers every answer of the app carries (the gateway's security headers), for the answers Node's parser refuses too. */
  readonly answerHeaders?: Readonly<Record<string, string>>;
  /** The app's own kind of CatalogueErrorFilter, when it maps errors of its own first (the chat server's full disk). */
  readonly errorFilter?: CatalogueErrorFilter;
}

/**
 * The REST conventions every app of the product keeps (docs/api.md, "Errors"), installed once
 * at bootstrap, before `listen`:
 *
 * - every refusal has the body `{ statusCode, error, code, message, errors? }`
 *   (`CatalogueErrorFilter`, for everything Nest, Express and the body parser refuse);
 * - with `jsonBodies`, a non-empty body that is not JSON (`application/json`, `+json`) is a 415
 *   `unsupported-media-type`, so form-encoded bodies never reach a DTO, as is one in a charset
 *   other than UTF-8; a JSON body that is not valid UTF-8 is a 400 naming `body`;
 * - a path that a route matches literally (no parameter) is governed by the literal routes: a
 *   method only a parameter route takes there is a 405 (`LiteralRoutesFirst`);
 * - query parameters or a body on a route that declares none are a 400 (`DeclaredInputGuard`);
 * - what Node's HTTP parser refuses before any route (request line and headers over
 *   `--max-http-header-size`, 16 KiB: 431; a malformed request: 400) gets the same JSON body.
 */
export function useRestConventions(app: INestApplication, options: RestConventionsOptions): void {
  if (options.jsonBodies) {
    app.use(refuseBodiesOtherThanJson);
    // Nest's own JSON parser reads `application/json` only; this one (named `jsonParser` too, so
    // Nest adds no other) reads every JSON type the hook above lets through, `+json` included.
    (app.getHttpAdapter() as unknown as BodyParserHost).useBodyParser?.('json', false, {
      type: (request: IncomingMessage) => isJsonMediaType(request.headers['content-type'] ?? ''),
      verify: refuseInvalidUtf8,
      ...(options.jsonBodyLimitBytes === undefined ? {} : { limit: options.jsonBodyLimitBytes }),
    });
  }
  app.useGlobalGuards(new LiteralRoutesFirst(), new DeclaredInputGuard());
  app.useGlobalFilters(options.errorFilter ?? new CatalogueErrorFilter());
  answerClientErrorsAsJson(app.getHttpServer() as Server, options.answerHeaders);
}

/**
 * Static beats parametric, as in most routers: Express runs the first route that matches, so
 * `GET /rooms/:roomId` would take `GET /rooms/create` and refuse `create` as a room id. A request
 * that a parameter route took, on a path some route matches literally with other methods, is
 * answered as if no route had taken it (405 with the literal routes' `Allow`). A literal route's
 * request costs one look at its params, one with parameters a map lookup.
 */
export class LiteralRoutesFirst implements CanActivate {
  /** The app's literal routes, read from its route table at the first request with parameters (routes are all added by then). */
  private literal: ReadonlyMap<string, ReadonlySet<string>> | undefined;

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<RoutedRequest & { params?: object }>();
    if (Object.keys(request.params ?? {}).length === 0) return true;
    const methods = (this.literal ??= literalRoutes(request)).get(routedPath(request));
    if (methods && !methods.has(request.method ?? 'GET')) throw new NoRouteException();
    return true;
  }
}

/**
 * The JSON parser would decode a byte that is not UTF-8 as U+FFFD without a word, so what was
 * stored would differ from what was sent: such a body is a 400 naming `body` instead (the
 * parser hands this error to the exception filter with its status).
 */
function refuseInvalidUtf8(_request: IncomingMessage, _response: ServerResponse, body: Buffer): void {
  if (!isUtf8(body))
    throw Object.assign(new Error('is not valid UTF-8'), { status: 400, statusCode: 400, expose: true });
}

/** `application/json` or a `+json` type (RFC 6839), parameters aside. */
export function isJsonMediaType(contentType: string): boolean {
  const end = contentType.indexOf(';');
  const media = (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
  return media === 'application/json' || media.endsWith('+json');
}

/**
 * The charset labels read as UTF-8: `us-ascii` is a subset of it, `utf8` a common spelling. The
 * JSON parser would decode any `utf-*` label (UTF-16, UTF-32) and refuse the other two.
 */
const UTF8_LABELS: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * A request hook ahead of the body parsers. A non-empty body (a length above 0, or chunked) whose
 * content type is not JSON goes to the exception filter as a 415; so does a JSON content type
 * with a charset other than UTF-8, body or not (as the parser refuses one). A request without a
 * content type costs two header reads.
 */
export function refuseBodiesOtherThanJson(
  request: IncomingMessage,
  _response: ServerResponse,
  next: (error?: unknown) => void,
): void {
  const type = request.headers['content-type'];
  if (type !== undefined && isJsonMediaType(type)) return next(readAsUtf8(request, type));
  if (!hasRequestBody(request.headers)) return next();
  const media = type?.split(';')[0].trim();
  const named =
    type === undefined ? 'and this one has no content-type' : `not ${media || JSON.stringify(type)}`;
  next(
    refusal(
      415,
      'unsupported-media-type',
      `a request body must be JSON (content-type application/json), ${named}`,
    ),
  );
}

/**
 * Undefined when the JSON parser may read the body as UTF-8, else the 415 naming the charset. A
 * label that means UTF-8 but that the parser would refuse (`utf8`, `us-ascii`) is rewritten as
 * `utf-8` for it; every `charset` parameter counts, so a second one cannot slip past the first.
 */
function readAsUtf8(request: IncomingMessage, type: string): unknown {
  const parameters = type.split(';');
  let rewritten = false;
  for (let index = 1; index < parameters.length; index++) {
    const equals = parameters[index].indexOf('=');
    if (equals === -1 || parameters[index].slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    const label = parameters[index]
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    const lower = label.toLowerCase();
    if (lower === 'utf-8' || lower === '') continue;
    if (!UTF8_LABELS.has(lower))
      return refusal(
        415,
        'unsupported-media-type',
        `a JSON body must be UTF-8 (charset utf-8), not ${label}`,
      );
    parameters[index] = ' charset=utf-8';
    rewritten = true;
  }
  if (rewritten) request.headers['content-type'] = parameters.join(';');
  return undefined;
}

/** Node's own answers (its defaults) to what its HTTP parser refuses, by error code. */
const CLIENT_ERROR_STATUS: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/** Node's own record of the answer a connection is writing (`_http_server.js` reads it the same way). */
type ServerSocket = Duplex & { _httpMessage?: { _headerSent?: boolean } | null };

/**
 * Node answers what its HTTP parser refuses (before any route or filter) with an empty body; this
 * gives those answers the refusal body, with the status Node would have used, and closes the
 * connection as Node does. As Node's own handler, it answers unless an answer to the request
 * before is part-written on that connection (a kept-alive connection that finished earlier
 * answers is answered); a socket that is gone, or mid-answer, is just destroyed.
 */
export function answerClientErrorsAsJson(
  server: Server,
  answerHeaders: Readonly<Record<string, string>> = {},
): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: ServerSocket) => {
    if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?._headerSent) {
      socket.destroy();
      return;
    }
    const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
    const body =
      status === 431
        ? refusalBody(
            431,
            'headers-too-large',
            `the request line and headers (query string included) are larger than ${(server as { maxHeaderSize?: number }).maxHeaderSize ?? maxHeaderSize} bytes`,
          )
        : status === 400
          ? refusalBody(400, 'invalid-request', 'the request is not valid HTTP/1.1')
          : refusalBody(
              status,
              status === 408 ? 'request-timeout' : 'payload-too-large',
              STATUS_CODES[status]!,
            );
    endSocketWithRefusal(socket, body, answerHeaders);
  });
}
