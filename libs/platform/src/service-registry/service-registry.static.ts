// For hosts and DNS-based platforms without Consul: the instances are listed in STATIC_SERVICES.
import { InMemoryServiceRegistry } from './service-registry.memory';
import type { Registration } from './service-registry.port';
import type { StaticServices } from '../config/static-services';

export { parseStaticServices, type StaticServices } from '../config/static-services';

/**
 * Discovery from a fixed list: every listed instance is polled at its `/health/ready` like a
 * Consul agent would, and only those answering 2xx resolve. Instances of this process that
 * register themselves are added too (they are usually in the list already, under their URL).
 */
export class StaticServiceRegistry extends InMemoryServiceRegistry {
  constructor(services: StaticServices, healthCheckIntervalMs = 5_000) {
    super();
    for (const [service, urls] of services) {
      for (const url of urls) {
        const registration: Registration = {
          id: `${service}-${url.hostname}-${url.port}`,
          service,
          host: url.hostname,
          port: Number(url.port),
          healthCheckUrl: new URL('/health/ready', url).toString(),
          healthCheckIntervalMs,
        };
        void this.register(registration);
      }
    }
  }
}
