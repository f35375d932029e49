import { REDACTED, REDACTED_PATHS, scrubUrl } from './redaction';
import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { stdTimeFunctions, type DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import type { PlatformSettings } from '../config/platform.settings';
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

/**
 * nestjs-pino keeps ONE root logger per process (the first app to start creates it), so in a
 * single-node process the apps after the first would log under the first one's name. This
 * binds the app's own `service` and `instance` to every line of its requests when they differ
 * from the root's (JSON readers take the last of a repeated key, so the app's name wins).
 */
@Injectable()
class ServiceBindingMiddleware implements NestMiddleware {
  private differs?: boolean;

  constructor(
    @Inject(SERVICE_BINDINGS) private readonly bindings: ServiceBindings,
    private readonly logger: PinoLogger,
  ) {}

  use(_request: IncomingMessage, _response: ServerResponse, next: () => void): void {
    this.differs ??= this.rootDiffers();
    if (this.differs) this.logger.assign({ ...this.bindings });
    next();
  }

  private rootDiffers(): boolean {
    const root = PinoLogger.root?.bindings() ?? {};
    return root.service !== this.bindings.service || root.instance !== this.bindings.instance;
  }
}

/**
 * Structured logs for an app: one JSON line per entry with `service`, `instance`, ISO `time`,
 * and for request-scoped lines `req.id` (from `x-request-id`, see `requestId`); level from
 * LOG_LEVEL. Requests are logged on completion, except the health probes the registry polls.
 *
 * ```ts
 * @Module({ imports: [LoggingModule.forRoot({ service: 'chat-server', settings })] })
 * const app = await NestFactory.create(AppModule, { bufferLogs: true });
 * useStructuredLogging(app);
 * ```
 */
@Module({})
export class LoggingModule implements NestModule {
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
      genReqId: requestId,
      // trace_id/span_id (and session_id inside a STOMP frame) of the active span on every line.
      mixin: traceFields,
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
      // Request lines carry the URL: a token passed as ?access_token= must not land in the logs.
      serializers: {
        req: (req: { url?: string }) =>
          typeof req.url === 'string' ? { ...req, url: scrubUrl(req.url) } : req,
      },
      autoLogging: { ignore: (request) => request.url?.startsWith('/health/') ?? false },
    };
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: options.destination ? [pinoHttp, options.destination] : pinoHttp,
          assignResponse: true,
        }),
      ],
      providers: [{ provide: SERVICE_BINDINGS, useValue: bindings }, ServiceBindingMiddleware],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ServiceBindingMiddleware).forRoutes('{/*splat}');
  }
}
