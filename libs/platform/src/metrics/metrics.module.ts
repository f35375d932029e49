import {
  Controller,
  Get,
  Header,
  Inject,
  Injectable,
  Module,
  SetMetadata,
  type DynamicModule,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { UncheckedInput } from '../http/declared-input.guard';
import { onEveryRequest } from '../http/on-every-request';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The app's Prometheus registry (one per app, so the three apps of a single-node process keep theirs apart). */
export class MetricsRegistry extends Registry {}

interface RequestLike {
  method?: string;
  route?: { path?: string };
}
interface ResponseLike {
  statusCode: number;
  once(event: 'finish', listener: () => void): unknown;
}

/**
 * `http_request_duration_seconds{method, route, status}` for every request. `route` is the matched
 * route's pattern (`/v1/api/rooms/:roomId`), never the raw URL, so the label stays bounded.
 */
class HttpDuration extends Histogram<'method' | 'route' | 'status'> {}

/** Times every request of the app (see `onEveryRequest` for why it is not a Nest middleware). */
@Injectable()
class HttpMetrics {
  constructor(
    @Inject(HttpDuration) private readonly duration: HttpDuration,
    adapterHost: HttpAdapterHost,
  ) {
    onEveryRequest(adapterHost, this.handle);
  }

  private readonly handle = (request: RequestLike, response: ResponseLike, next: () => void) => {
    const end = this.duration.startTimer();
    response.once('finish', () =>
      end({
        method: request.method ?? 'GET',
        route: request.route?.path ?? 'unmatched',
        status: String(response.statusCode),
      }),
    );
    next();
  };
}

/**
 * For Prometheus, not for API clients: kept out of the OpenAPI documents (the metadata
 * `@ApiExcludeController()` of @nestjs/swagger sets, without making the platform depend on it).
 */
@SetMetadata('swagger/apiExcludeController', [true])
@UncheckedInput() // scrapers may add parameters (`name[]=`): never a failed scrape
@Controller('metrics')
class MetricsController {
  constructor(@Inject(MetricsRegistry) private readonly registry: MetricsRegistry) {}

  /** Prometheus text exposition of this app's metrics. */
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * `GET /metrics` (Prometheus) for an app: default process metrics, HTTP latency by route, and
 * whatever the app's providers register on the injected `MetricsRegistry`. Every series has
 * the label `service`.
 *
 * ```ts
 * @Module({ imports: [MetricsModule.forRoot({ service: 'chat-server' })] })
 * ```
 */
@Module({})
export class MetricsModule {
  static forRoot({ service }: { service: string }): DynamicModule {
    const registry = new MetricsRegistry();
    registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: registry });
    const httpDuration = new HttpDuration({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, matched route and status, and how long they took',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [
        { provide: MetricsRegistry, useValue: registry },
        { provide: HttpDuration, useValue: httpDuration },
        HttpMetrics,
      ],
      exports: [MetricsRegistry],
    };
  }
}

/**
 * A gauge whose value is read from `read()` at each scrape (no bookkeeping in the hot path).
 * `read` may be async (a store's count); when it rejects, the scrape still answers and the gauge
 * keeps its last value.
 */
export function gaugeReadAtScrape(
  registry: MetricsRegistry,
  metric: { name: string; help: string },
  read: () => number | Promise<number>,
): void {
  new Gauge({
    ...metric,
    registers: [registry],
    async collect() {
      try {
        this.set(await read());
      } catch {
        // unreadable now (store down): the last value stays
      }
    },
  });
}

/**
 * A counter with one label whose totals are kept elsewhere as plain numbers (e.g. STOMP frames
 * by command) and read at each scrape: the hot path only adds to a field.
 */
export function counterReadAtScrape(
  registry: MetricsRegistry,
  metric: { name: string; help: string; label: string },
  read: () => Readonly<Record<string, number>>,
): void {
  const reported = new Map<string, number>();
  new Counter({
    name: metric.name,
    help: metric.help,
    labelNames: [metric.label],
    registers: [registry],
    collect() {
      for (const [value, total] of Object.entries(read())) {
        const delta = total - (reported.get(value) ?? 0);
        if (delta <= 0) continue;
        this.inc({ [metric.label]: value }, delta);
        reported.set(value, total);
      }
    },
  });
}
