import {
  ConsulServiceRegistry,
  consulRegistryOptions,
  sharedInMemoryServiceRegistry,
  type PlatformSettings,
  type ServiceRegistry,
} from '@playlist-chat/platform';

export interface RegistryHandle {
  readonly registry: ServiceRegistry;
  /** Releases what this gateway opened (never the process-wide single-node registry, which the other apps share). */
  release(): Promise<void>;
}

/** The registry SERVICE_REGISTRY selects: the process-wide in-memory one (single node) or a Consul client of our own. */
export function openServiceRegistry(settings: PlatformSettings): RegistryHandle {
  switch (settings.registry) {
    case 'memory':
      return { registry: sharedInMemoryServiceRegistry(), release: async () => {} };
    case 'consul': {
      const registry = new ConsulServiceRegistry(consulRegistryOptions(settings));
      return { registry, release: () => registry.close() };
    }
  }
}
