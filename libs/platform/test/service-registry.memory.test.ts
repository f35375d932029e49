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
});
