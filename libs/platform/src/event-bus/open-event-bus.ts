import type { PlatformSettings } from '../config/platform.settings';
import type { PortHandle } from '../service/port-handle';
import { KafkaEventBus, kafkaEventBusOptions } from './event-bus.kafka';
import { sharedInMemoryEventBus } from './event-bus.memory';
import type { EventBus } from './event-bus.port';
import { RedisEventBus } from './event-bus.redis';
import { retryPolicyFrom } from './retry-policy';

/** The one place EVENT_BUS becomes an adapter. */
export function openEventBus(settings: PlatformSettings): PortHandle<EventBus> {
  switch (settings.eventBus) {
    case 'memory':
      return { port: sharedInMemoryEventBus(retryPolicyFrom(settings)), release: async () => {} };
    case 'kafka': {
      const bus = new KafkaEventBus(kafkaEventBusOptions(settings));
      return { port: bus, release: () => bus.close() };
    }
    case 'redis': {
      const bus = new RedisEventBus({
        redisUrl: settings.redisUrl,
        retryPolicy: retryPolicyFrom(settings),
        maxStreamLength: settings.eventStreamMaxLength,
        leaseMs: settings.eventLeaseMs,
      });
      return { port: bus, release: () => bus.close() };
    }
  }
}
