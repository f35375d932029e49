import type { PlatformSettings } from '../config/platform.settings';
import { ConsulServiceRegistry, consulRegistryOptions } from './service-registry.consul';
import { sharedInMemoryServiceRegistry } from './service-registry.memory';
import type { ServiceRegistry } from './service-registry.port';
import { parseStaticServices, StaticServiceRegistry } from './service-registry.static';

export interface RegistryHandle {
  readonly registry: ServiceRegistry;
  /** Releases what this call opened (never the process-wide single-node registry, which every app of the process shares). */
  release(): Promise<void>;
}

/** The one place SERVICE_REGISTRY becomes an adapter, for the platform module and the gateway alike. */
export function openServiceRegistry(settings: PlatformSettings): RegistryHandle {
  switch (settings.registry) {
    case 'memory':
      return { registry: sharedInMemoryServiceRegistry(), release: async () => {} };
    case 'consul': {
      const registry = new ConsulServiceRegistry(consulRegistryOptions(settings));
      return { registry, release: () => registry.close() };
    }
    case 'static': {
      const services = parseStaticServices(settings.staticServices);
      if (typeof services === 'string') throw new Error(`STATIC_SERVICES: ${services}`);
      const registry = new StaticServiceRegistry(services);
      return { registry, release: () => registry.close() };
    }
  }
}
