import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { PlatformSettings } from './config/platform.settings';
import { openEventBus } from './event-bus/open-event-bus';
import { EventBus } from './event-bus/event-bus.port';
import { retryPolicyFrom } from './event-bus/retry-policy';
import { MeteredEventBus } from './metrics/metered-event-bus';
import { MeteredRoomFanout } from './metrics/metered-room-fanout';
import { MetricsRegistry } from './metrics/metrics.module';
import { openRoomFanout } from './room-fanout/open-room-fanout';
import { RoomFanout } from './room-fanout/room-fanout.port';
import type { PortHandle } from './service/port-handle';
import { openServiceRegistry } from './service-registry/open-service-registry';
import { ServiceRegistry } from './service-registry/service-registry.port';
import { Clock, SystemClock } from './time/clock';

/** Injection token of the app's `PlatformSettings`; inject with `@InjectPlatformSettings()`. */
export const PLATFORM_SETTINGS = Symbol('PLATFORM_SETTINGS');
export const InjectPlatformSettings = (): ParameterDecorator => Inject(PLATFORM_SETTINGS);

/** What one `PlatformModule.forRoot` opened, released when its app shuts down. */
class OwnedPorts {
  private readonly handles: PortHandle<unknown>[] = [];

  own<T>(handle: PortHandle<T>): T {
    this.handles.push(handle);
    return handle.port;
  }

  async releaseAll(): Promise<void> {
    await Promise.allSettled(this.handles.splice(0).map((handle) => handle.release()));
  }
}

@Injectable()
class PlatformShutdown implements OnApplicationShutdown {
  constructor(@Inject(OwnedPorts) private readonly owned: OwnedPorts) {}

  /**
   * Runs after every module's onModuleDestroy/beforeApplicationShutdown and after the HTTP
   * server stopped, so apps can still deregister, unsubscribe and publish in those hooks.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.owned.releaseAll();
  }
}

/**
 * Binds the shared ports to the adapters the settings choose, for the whole app (global):
 * `EventBus` (EVENT_BUS), `RoomFanout` (ROOM_FANOUT), `ServiceRegistry` (SERVICE_REGISTRY),
 * plus `Clock` and the settings themselves (`PLATFORM_SETTINGS`).
 *
 * Single-node adapters are process-wide, so the apps of one process reach each other: the
 * event bus and registry are shared instances (never closed by an app); the fanout is one
 * instance per app on the shared hub. Cluster clients (Kafka, Redis, Consul) are created per
 * app, connect lazily on first use, and are closed when the app shuts down.
 *
 * ```ts
 * @Module({ imports: [PlatformModule.forRoot(loadSettings(platformSettings))] })
 * ```
 */
@Global()
@Module({})
export class PlatformModule {
  /** `clock`: replaces the system clock for the whole app (tests pass a `ManualClock`). */
  static forRoot(settings: PlatformSettings, { clock }: { clock?: Clock } = {}): DynamicModule {
    const owned = new OwnedPorts();
    return {
      module: PlatformModule,
      global: true,
      providers: [
        { provide: PLATFORM_SETTINGS, useValue: settings },
        { provide: OwnedPorts, useValue: owned },
        {
          provide: EventBus,
          // Counted when the app exposes metrics (MetricsModule), as is.
          useFactory: (registry?: MetricsRegistry) => {
            const bus = owned.own(openEventBus(settings));
            return registry ? new MeteredEventBus(bus, registry, retryPolicyFrom(settings).maxAttempts) : bus;
          },
          inject: [{ token: MetricsRegistry, optional: true }],
        },
        {
          provide: RoomFanout,
          useFactory: (registry?: MetricsRegistry) => {
            const fanout = owned.own(openRoomFanout(settings));
            return registry ? new MeteredRoomFanout(fanout, registry) : fanout;
          },
          inject: [{ token: MetricsRegistry, optional: true }],
        },
        { provide: ServiceRegistry, useFactory: () => owned.own(openServiceRegistry(settings)) },
        clock ? { provide: Clock, useValue: clock } : { provide: Clock, useClass: SystemClock },
        PlatformShutdown,
      ],
      exports: [PLATFORM_SETTINGS, EventBus, RoomFanout, ServiceRegistry, Clock],
    };
  }
}
