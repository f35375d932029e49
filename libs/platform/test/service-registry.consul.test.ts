import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

// Runs without Consul: an "agent" that accepts connections and never answers (hung, or a
// black-holed network path that still completes the TCP handshake).
describe('ConsulServiceRegistry against an agent that never answers', () => {
  const timeoutMs = 300;
  let agent: Server;
  const sockets = new Set<Socket>();
  let registry: ConsulServiceRegistry;

  beforeAll(async () => {
    agent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.resume(); // reads the request, answers nothing
    });
    await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
    const { port } = agent.address() as { port: number };
    registry = new ConsulServiceRegistry({
      url: `http://127.0.0.1:${port}`,
      deregisterCriticalAfter: '1m',
      timeoutMs,
    });
  });
  afterAll(async () => {
    await registry?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => agent?.close(resolve));
  });

  /** Rejects, and within the bound (plus scheduling slack), with an error naming the call and the setting. */
  async function rejectsWithinBound(call: () => Promise<unknown>, what: RegExp): Promise<void> {
    const started = Date.now();
    // A call that hangs would pass neither this race nor the test's own timeout.
    const outcome = await Promise.race([
      call().then(
        () => 'resolved',
        (error: unknown) => error,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still pending after 5 s'), 5_000)),
    ]);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(what);
    expect((outcome as Error).message).toMatch(/did not answer .* within 300 ms \(CONSUL_TIMEOUT_MS\)/);
    expect(Date.now() - started).toBeLessThan(timeoutMs + 2_000);
  }

  it('register rejects within CONSUL_TIMEOUT_MS instead of hanging start-up', async () => {
    await rejectsWithinBound(
      () =>
        registry.register({
          id: 'chat-server-1',
          service: 'chat-server',
          host: '127.0.0.1',
          port: 18000,
          healthCheckUrl: 'http://127.0.0.1:18000/health/ready',
        }),
      /registration of chat-server-1/,
    );
  });

  it('healthy (every presence lookup) rejects within CONSUL_TIMEOUT_MS', async () => {
    await rejectsWithinBound(() => registry.healthy('chat-server'), /health lookup of chat-server/);
  });

  it('deregister rejects within CONSUL_TIMEOUT_MS instead of hanging shutdown', async () => {
    await rejectsWithinBound(() => registry.deregister('chat-server-1'), /deregistration of chat-server-1/);
  });

  it('ping (readiness) rejects within CONSUL_TIMEOUT_MS', async () => {
    await rejectsWithinBound(() => registry.ping(), /a ping/);
  });
});
