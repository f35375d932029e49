import { Injectable } from '@nestjs/common';
import { EventBus } from '../event-bus/event-bus.port';
import { RoomFanout } from '../room-fanout/room-fanout.port';
import { ServiceRegistry } from '../service-registry/service-registry.port';
import { ReadinessIndicator } from './readiness-indicator';

/** Ready while the event bus the settings chose is reachable (a dead Kafka producer or Redis is not ready). */
@Injectable()
export class EventBusReadiness extends ReadinessIndicator {
  readonly name = 'event-bus';

  constructor(private readonly bus: EventBus) {
    super();
  }

  check(): Promise<void> {
    return this.bus.ping();
  }
}

/** Ready while the cross-instance fan-out is reachable. */
@Injectable()
export class RoomFanoutReadiness extends ReadinessIndicator {
  readonly name = 'room-fanout';

  constructor(private readonly fanout: RoomFanout) {
    super();
  }

  check(): Promise<void> {
    return this.fanout.ping();
  }
}

/** Ready while service discovery is reachable. */
@Injectable()
export class ServiceRegistryReadiness extends ReadinessIndicator {
  readonly name = 'service-registry';

  constructor(private readonly registry: ServiceRegistry) {
    super();
  }

  check(): Promise<void> {
    return this.registry.ping();
  }
}
