import { REDACTED, REDACTED_PATHS, scrubUrl } from './redaction';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { stdTimeFunctions, type DestinationStream, type Logger } from 'pino';
import type { Options } from 'pino-http';
import type { PlatformSettings } from '../config/platform.settings';
import { onEveryRequest } from '../http/on-every-request';
import { instanceName } from '../service/instance-name';
import { traceFields } from '../telemetry/trace-context';
import { requestId } from './request-id';

export interface LoggingOptions {
  /** Logical service name: `chat-server`, `presence-server`, `gateway`. */
  readonly service: string;
  readonly settings: Pick<PlatformSettings, 'logLevel' | 'instanceId'> &
    Partial<Pick<PlatformSettings, 'logProcessName'>>;
  /** Where lines go (default stdout); tests pass a stream to read them. */
  readonly destination?: DestinationStream;
}

interface ServiceBindings {
  readonly service: string;
  readonly instance: string;
}

const SERVICE_BINDINGS = Symbol('SERVICE_BINDINGS');

/** A request as the request logger reads it: pino's `req` serializer reads its `id`. */
type LoggedRequest = IncomingMessage & { id?: string };

/** The request being handled, and the app handling it when it is not the process's first. */
interface RequestScope {
  readonly request: LoggedRequest;
  readonly app?: ServiceBindings;
}

const requestScope = new AsyncLocalStorage<RequestScope>();

/**
 * pino mixin: the fields a line written while handling a request carries, `req` (serialized
 * by the `req` serializer) and, in a process of several apps, the app's `service` and
 * `instance`. Read only when a line is written, so a request that logs nothing costs nothing.
 */
function requestFields(): object {
  const scope = requestScope.getStore();
  if (scope === undefined) return {};
  return scope.app ? { req: scope.request, ...scope.app } : { req: scope.request };
}

/**
 * Logs each request of the app: every line written while handling it carries `req` (id,
 * method, scrubbed URL, caller's address) and, when the app is not the process's first, the
 * app's `service` and `instance`. When the response finishes (or the client goes away) it
 * writes the request line, at info, as pino-http would: `request completed`, `request
 * aborted`, or `request errored` with `err` for a 5xx.
 *
 * Per request it only gives the request its id and enters the request's scope; nothing is built
 * for a line until one is written. nestjs-pino's own per-request work (two Nest middlewares, a
 * child logger with the request serialized into it) and one more middleware for the bindings
 * cost about 95 µs of CPU per request over bare Nest; this costs about 30 (docs/performance.md,
 * "REST").
 */
@Injectable()
class RequestLogging {
  /** This app's name to add to request lines, or null when the root logger already carries it; undefined until the first request. */
  private app: ServiceBindings | null | undefined;

  constructor(
    @Inject(SERVICE_BINDINGS) private readonly bindings: ServiceBindings,
    adapterHost: HttpAdapterHost,
  ) {
    onEveryRequest(adapterHost, this.handle);
  }

  private readonly handle = (request: LoggedRequest, response: ServerResponse, next: () => void) => {
    request.id = requestId(request, response);
    // nestjs-pino keeps ONE root logger per process (the first app to start creates it), so in a
    // single-node process the apps after the first would log under the first one's name. JSON
    // readers take the last of a repeated key, so the app's own name, written after, wins.
    // Decided once (not `??=`: null is the answer "no need", and pino's bindings() parses JSON).
    if (this.app === undefined) this.app = this.rootDiffers() ? this.bindings : null;
    const scope: RequestScope = this.app ? { request, app: this.app } : { request };
    const log = PinoLogger.root;
    // No listeners for a line the level would drop (LOG_LEVEL=warn and above): three on and off per request.
    if (log.isLevelEnabled('info') && !isPolled(request)) logWhenDone(log, scope, response, Date.now());
    requestScope.run(scope, next);
  };

  private rootDiffers(): boolean {
    const root = PinoLogger.root?.bindings() ?? {};
    return root.service !== this.bindings.service || root.instance !== this.bindings.instance;
  }
}

/** Health probes and metrics scrapes (each polled every few seconds) get no request line. */
function isPolled(request: IncomingMessage): boolean {
  const url = request.url ?? '';
  return url.startsWith('/health/') || url === '/metrics' || url.startsWith('/metrics?');
}

/** The request line, written once, when the response finishes, fails or is abandoned. */
function logWhenDone(log: Logger, scope: RequestScope, response: ServerResponse, startedAt: number): void {
  const done = (error?: unknown) => {
    response.off('finish', done).off('close', done).off('error', done);
    const line = { req: scope.request, ...scope.app, res: response, responseTime: Date.now() - startedAt };
    const failure =
      error ??
      (response.statusCode >= 500 ? new Error(`failed with status code ${response.statusCode}`) : undefined);
    if (failure) log.info({ ...line, err: failure }, 'request errored');
    else log.info(line, response.writableFinished ? 'request completed' : 'request aborted');
  };
  response.on('finish', done).on('close', done).on('error', done);
}

/**
 * Structured logs for an app: one JSON line per entry with `service`, `instance`, ISO `time`,
 * and for request-scoped lines `req.id` (from `x-request-id`, see `requestId`); level from
 * LOG_LEVEL. Requests are logged on completion, except health probes and metrics scrapes.
 *
 * ```ts
 * @Module({ imports: [LoggingModule.forRoot({ service: 'chat-server', settings })] })
 * const app = await NestFactory.create(AppModule, { bufferLogs: true });
 * useStructuredLogging(app);
 * ```
 */
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions): DynamicModule {
    const bindings: ServiceBindings = {
      service: options.service,
      instance: instanceName(options.settings, options.service),
    };
    // Lines outside a request name the process: in single node one process hosts three apps, and
    // nestjs-pino's root logger (like Nest's Logger) is shared by them, so no app's name is right.
    const processName = options.settings.logProcessName || options.service;
    const processBindings: ServiceBindings = {
      service: processName,
      instance: instanceName(options.settings, processName),
    };
    const pinoHttp: Options = {
      level: options.settings.logLevel,
      base: { pid: process.pid, ...processBindings },
      timestamp: stdTimeFunctions.isoTime,
      // trace_id/span_id (and session_id inside a STOMP frame) of the active span on every line,
      // and the request's fields on a line written while handling one.
      mixin: () => ({ ...traceFields(), ...requestFields() }),
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
      // A request is logged as who asked what, not its headers: that is what a reader needs, it
      // keeps credentials and cookies out by construction, and it is a quarter of the cost per
      // request. The URL is scrubbed: a token passed as ?access_token= must not land in the logs.
      // Its answer as its status: the headers are the same security headers on every line (~1.3 KB).
      serializers: {
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        req: (req: { id?: unknown; method?: string; url?: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: typeof req.url === 'string' ? scrubUrl(req.url) : req.url,
          remoteAddress: req.remoteAddress,
        }),
      },
    };
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: options.destination ? [pinoHttp, options.destination] : pinoHttp,
          // Requests are logged by RequestLogging, not by nestjs-pino's own middlewares.
          forRoutes: [],
        }),
      ],
      providers: [{ provide: SERVICE_BINDINGS, useValue: bindings }, RequestLogging],
    };
  }
}
