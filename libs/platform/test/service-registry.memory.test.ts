import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { serviceRegistryContract } from './service-registry.contract';
import {
  InMemoryServiceRegistry,
  sharedInMemoryServiceRegistry,
} from '../src/service-registry/service-registry.memory';

serviceRegistryContract('in-memory', async () => new InMemoryServiceRegistry(), {
  healthCheckIntervalMs: 50,
});

describe('InMemoryServiceRegistry', () => {
  it('is one registry per process for every app that asks, until it is closed', async () => {
    const registry = sharedInMemoryServiceRegistry();
    expect(sharedInMemoryServiceRegistry()).toBe(registry);

    await registry.close();

    expect(sharedInMemoryServiceRegistry()).not.toBe(registry);
    await sharedInMemoryServiceRegistry().close();
  });

  it('keeps an instance whose checks are answered late but within a second, even when checked every 50 ms', async () => {
    // A busy event loop answers late without being unhealthy: each answer here takes 300 ms.
    const server = createServer((_request, response) => void setTimeout(() => response.end('ok'), 300));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const registry = new InMemoryServiceRegistry();
    try {
      const { port } = server.address() as AddressInfo;
      const lists: number[] = [];
      registry.watch('slow-checked', (instances) => lists.push(instances.length));
      await registry.register({
        id: 'slow-1',
        service: 'slow-checked',
        host: '127.0.0.1',
        port,
        healthCheckUrl: `http://127.0.0.1:${port}/health/ready`,
        healthCheckIntervalMs: 50,
      });
      await sleep(1_000); // several checks' worth
      expect((await registry.healthy('slow-checked')).map((instance) => instance.id)).toEqual(['slow-1']);
      expect(lists).not.toContain(0); // never dropped meanwhile
    } finally {
      await registry.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
