import type { PlatformSettings } from '../config/platform.settings';
import { ConsulServiceRegistry, consulRegistryOptions } from './service-registry.consul';
import { sharedInMemoryServiceRegistry } from './service-registry.memory';
import type { PortHandle } from '../service/port-handle';
import type { ServiceRegistry } from './service-registry.port';
import { parseStaticServices, StaticServiceRegistry } from './service-registry.static';

/** The one place SERVICE_REGISTRY becomes an adapter, for the platform module and the gateway alike. */
export function openServiceRegistry(settings: PlatformSettings): PortHandle<ServiceRegistry> {
  switch (settings.registry) {
    case 'memory':
      return { port: sharedInMemoryServiceRegistry(), release: async () => {} };
    case 'consul': {
      const registry = new ConsulServiceRegistry(consulRegistryOptions(settings));
      return { port: registry, release: () => registry.close() };
    }
    case 'static': {
      const services = parseStaticServices(settings.staticServices);
      if (typeof services === 'string') throw new Error(`STATIC_SERVICES: ${services}`);
      const registry = new StaticServiceRegistry(services);
      return { port: registry, release: () => registry.close() };
    }
  }
}
