import { Module, type DynamicModule, type ModuleMetadata, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController, READINESS_INDICATORS, READINESS_TIMEOUT_MS } from './health.controller';
import type { ReadinessIndicator } from './readiness-indicator';

export interface HealthOptions {
  /** Checks behind `/health/ready`; each is a provider of this module, so it can inject what it checks. */
  readonly readiness?: ReadonlyArray<Type<ReadinessIndicator>>;
  /** Modules whose exports the indicators inject (global modules such as PlatformModule need not be listed). */
  readonly imports?: ModuleMetadata['imports'];
  /** A check slower than this counts as down (default 3 s). */
  readonly timeoutMs?: number;
}

/**
 * Health endpoints every app mounts the same way:
 * - `GET /health/live`: 200 while the process runs (liveness).
 * - `GET /health/ready`: 200 when every readiness indicator passes, else 503 naming the
 *   failing ones (readiness; the service registry polls it). A change of readiness is logged
 *   once (HealthController), not every failed probe (Terminus's own logger is off).
 *
 * ```ts
 * @Injectable() class StoreReadiness extends ReadinessIndicator {
 *   readonly name = 'store';
 *   constructor(private readonly rooms: RoomStore) { super(); }
 *   async check() { await this.rooms.ping(); }
 * }
 * @Module({ imports: [HealthModule.forRoot({ readiness: [StoreReadiness], imports: [RoomsModule] })] })
 * ```
 * An app with a global prefix keeps these at the root: `app.setGlobalPrefix('v1/api', { exclude: ['health/{*path}'] })`.
 */
@Module({})
export class HealthModule {
  static forRoot(options: HealthOptions = {}): DynamicModule {
    const readiness = [...(options.readiness ?? [])];
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), ...(options.imports ?? [])],
      controllers: [HealthController],
      providers: [
        ...readiness,
        {
          provide: READINESS_INDICATORS,
          useFactory: (...indicators: ReadinessIndicator[]) => indicators,
          inject: readiness,
        },
        { provide: READINESS_TIMEOUT_MS, useValue: options.timeoutMs ?? 3_000 },
      ],
    };
  }
}
