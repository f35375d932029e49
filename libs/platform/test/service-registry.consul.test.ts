import { describe } from 'vitest';
import { externalService } from '@playlist-chat/platform/testing';
import { serviceRegistryContract } from './service-registry.contract';
import { ConsulServiceRegistry } from '../src/service-registry/service-registry.consul';

const consulUrl = externalService('CONSUL_URL', 'ServiceRegistry contract: Consul');

describe.skipIf(!consulUrl)('ConsulServiceRegistry', () => {
  serviceRegistryContract(
    'Consul',
    async () => new ConsulServiceRegistry({ url: consulUrl ?? '', deregisterCriticalAfter: '1m' }),
    {
      // Consul runs checks at most once a second.
      healthCheckIntervalMs: 1_000,
      // The agent must reach this process's test servers: from a Consul container that is e.g. host.docker.internal.
      advertiseHost: process.env.TEST_ADVERTISE_HOST ?? '127.0.0.1',
      timeoutMs: 20_000,
    },
  );
});
