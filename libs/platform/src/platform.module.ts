import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { PlatformSettings } from './config/platform.settings';
import { KafkaEventBus, kafkaEventBusOptions } from './event-bus/event-bus.kafka';
import { sharedInMemoryEventBus } from './event-bus/event-bus.memory';
import { RedisEventBus } from './event-bus/event-bus.redis';
import { EventBus } from './event-bus/event-bus.port';
import { retryPolicyFrom } from './event-bus/retry-policy';
import { InMemoryRoomFanout, sharedInMemoryFanoutHub } from './room-fanout/room-fanout.memory';
import { RoomFanout } from './room-fanout/room-fanout.port';
import { RedisRoomFanout } from './room-fanout/room-fanout.redis';
import { MeteredEventBus } from './metrics/metered-event-bus';
import { MetricsRegistry } from './metrics/metrics.module';
import { openServiceRegistry } from './service-registry/open-service-registry';
import { ServiceRegistry } from './service-registry/service-registry.port';
import { Clock, SystemClock } from './time/clock';

/** Injection token of the app's `PlatformSettings`; inject with `@InjectPlatformSettings()`. */
export const PLATFORM_SETTINGS = Symbol('PLATFORM_SETTINGS');
export const InjectPlatformSettings = (): ParameterDecorator => Inject(PLATFORM_SETTINGS);

/** Settings are validated when loaded, so this only runs if a new adapter name was added without a case. */
function unknownAdapter(variable: string, value: never): never {
  throw new Error(`${variable}=${String(value)} has no adapter`);
}

interface Closable {
  close(): Promise<void>;
}

/** The clients one `PlatformModule.forRoot` created (as opposed to process-wide shared ones), closed with its app. */
class OwnedClients {
  private readonly clients: Closable[] = [];

  own<T extends Closable>(client: T): T {
    this.clients.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.clients.splice(0).map((client) => client.close()));
  }
}

@Injectable()
class PlatformShutdown implements OnApplicationShutdown {
  constructor(@Inject(OwnedClients) private readonly owned: OwnedClients) {}

  /**
   * Runs after every module's onModuleDestroy/beforeApplicationShutdown and after the HTTP
   * server stopped, so apps can still deregister, unsubscribe and publish in those hooks.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.owned.closeAll();
  }
}

function eventBusFor(settings: PlatformSettings, owned: OwnedClients): EventBus {
  switch (settings.eventBus) {
    case 'memory':
      return sharedInMemoryEventBus(retryPolicyFrom(settings));
    case 'kafka':
      return owned.own(new KafkaEventBus(kafkaEventBusOptions(settings)));
    case 'redis':
      return owned.own(
        new RedisEventBus({
          redisUrl: settings.redisUrl,
          retryPolicy: retryPolicyFrom(settings),
          maxStreamLength: settings.eventStreamMaxLength,
          leaseMs: settings.eventLeaseMs,
        }),
      );
    default:
      return unknownAdapter('EVENT_BUS', settings.eventBus);
  }
}

function roomFanoutFor(settings: PlatformSettings, owned: OwnedClients): RoomFanout {
  switch (settings.fanout) {
    case 'memory':
      // Each app has its own handler and subscriptions, on the process-wide hub.
      return owned.own(new InMemoryRoomFanout(sharedInMemoryFanoutHub()));
    case 'redis':
      return owned.own(new RedisRoomFanout(settings.redisUrl));
    default:
      return unknownAdapter('ROOM_FANOUT', settings.fanout);
  }
}

function serviceRegistryFor(settings: PlatformSettings, owned: OwnedClients): ServiceRegistry {
  const { registry, release } = openServiceRegistry(settings);
  owned.own({ close: release });
  return registry;
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
    const owned = new OwnedClients();
    return {
      module: PlatformModule,
      global: true,
      providers: [
        { provide: PLATFORM_SETTINGS, useValue: settings },
        { provide: OwnedClients, useValue: owned },
        {
          provide: EventBus,
          // Counted when the app exposes metrics (MetricsModule), as is.
          useFactory: (registry?: MetricsRegistry) => {
            const bus = eventBusFor(settings, owned);
            return registry ? new MeteredEventBus(bus, registry) : bus;
          },
          inject: [{ token: MetricsRegistry, optional: true }],
        },
        { provide: RoomFanout, useFactory: () => roomFanoutFor(settings, owned) },
        { provide: ServiceRegistry, useFactory: () => serviceRegistryFor(settings, owned) },
        clock ? { provide: Clock, useValue: clock } : { provide: Clock, useClass: SystemClock },
        PlatformShutdown,
      ],
      exports: [PLATFORM_SETTINGS, EventBus, RoomFanout, ServiceRegistry, Clock],
    };
  }
}
