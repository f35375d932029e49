import { type RunningService } from '@playlist-chat/platform';
import { InMemoryServiceRegistry } from '@playlist-chat/platform/adapters';
import { afterEach } from 'vitest';
import { startGateway } from '../../src/gateway';
import { TestBackend } from './backend';

export interface TestGateway {
  readonly gateway: RunningService;
  readonly registry: InMemoryServiceRegistry;
  readonly url: string;
  stop(): Promise<void>;
}

/** A gateway on a free port routing by a registry of its own, so each test file controls every instance it can see. */
export async function startTestGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const registry = new InMemoryServiceRegistry();
  const gateway = await startGateway(
    {
      GATEWAY_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
    },
    { registry },
  );
  return {
    gateway,
    registry,
    url: gateway.url,
    async stop() {
      await gateway.close();
      await registry.close();
    },
  };
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/**
 * Gateways and backends for one test file, each stopped after the test that started it
 * (in reverse order): `const { gateway, backend } = gatewaysPerTest();` at the top of the file.
 */
export function gatewaysPerTest(): {
  gateway(env?: Record<string, string>): Promise<TestGateway>;
  backend(name: string, service: string, on: TestGateway): Promise<TestBackend>;
} {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    async gateway(env = {}) {
      const started = await startTestGateway(env);
      cleanups.push(() => started.stop());
      return started;
    },
    async backend(name, service, on) {
      const instance = await TestBackend.start(name, service);
      cleanups.push(() => instance.stop());
      await instance.register(on.registry);
      return instance;
    },
  };
}
