import { InMemoryServiceRegistry, type RunningService } from '@playlist-chat/platform';
import { startGateway } from '../../src/gateway';

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
