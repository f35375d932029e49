import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { expectEventually } from '../src/testing/eventually';
import type {
  Registration,
  ServiceInstance,
  ServiceRegistry,
} from '../src/service-registry/service-registry.port';

export interface ServiceRegistryContractOptions {
  /** Health-check interval given to registrations (Consul checks no more than once a second). */
  readonly healthCheckIntervalMs: number;
  /** Address the registry uses to reach the test's HTTP servers (e.g. a host name a Consul container can resolve). */
  readonly advertiseHost?: string;
  /** How long to wait for an effect. */
  readonly timeoutMs?: number;
}

/** A real HTTP server standing in for an app instance: answers its health URL with 200 or 503. */
interface FakeInstance {
  readonly port: number;
  healthy: boolean;
  close(): Promise<void>;
}

async function startInstance(): Promise<FakeInstance> {
  const state = { healthy: true };
  const server: Server = createServer((_request, response) => {
    response.writeHead(state.healthy ? 200 : 503, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: state.healthy ? 'ok' : 'error' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get healthy() {
      return state.healthy;
    },
    set healthy(value: boolean) {
      state.healthy = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ids = (instances: readonly ServiceInstance[]): string[] =>
  instances.map((instance) => instance.id).sort();

/** One suite that every ServiceRegistry adapter runs, against real HTTP servers as instances. */
export function serviceRegistryContract(
  name: string,
  makeRegistry: () => Promise<ServiceRegistry>,
  options: ServiceRegistryContractOptions,
): void {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const host = options.advertiseHost ?? '127.0.0.1';
  const eventually = <T>(check: () => T | Promise<T>) =>
    expectEventually(check, { timeoutMs, intervalMs: 25 });

  describe(`ServiceRegistry contract: ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    let registry: ServiceRegistry;

    const open = async (): Promise<ServiceRegistry> => {
      registry = await makeRegistry();
      cleanups.push(() => registry.close());
      return registry;
    };

    /** Starts an instance of `service` and registers it; deregistered after the test. */
    const launch = async (
      service: string,
      meta?: Record<string, string>,
    ): Promise<{ instance: FakeInstance; registration: Registration }> => {
      const instance = await startInstance();
      const registration: Registration = {
        id: `${service}-${instance.port}`,
        service,
        host,
        port: instance.port,
        healthCheckUrl: `http://${host}:${instance.port}/health/ready`,
        healthCheckIntervalMs: options.healthCheckIntervalMs,
        ...(meta ? { meta } : {}),
      };
      await registry.register(registration);
      cleanups.push(async () => {
        await registry.deregister(registration.id).catch(() => undefined);
        await instance.close();
      });
      return { instance, registration };
    };

    /** Service names unique to the test, so runs against a shared Consul never see each other. */
    const serviceName = (role: string) => `${role}-${randomUUID().slice(0, 8)}`;

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    it('resolves a fresh registration as healthy, with its address and metadata', async () => {
      await open();
      const chat = serviceName('chat-server');
      const { registration } = await launch(chat, { version: '1' });

      const healthy = await eventually(async () => {
        const found = await registry.healthy(chat);
        expect(found).toHaveLength(1);
        return found;
      });

      expect(healthy[0]).toEqual({
        id: registration.id,
        service: chat,
        host,
        port: registration.port,
        meta: { version: '1' },
      });
    });

    it('resolves only the instances of the service asked for', async () => {
      await open();
      const chat = serviceName('chat-server');
      const presence = serviceName('presence-server');
      const first = await launch(chat);
      const second = await launch(chat);
      const other = await launch(presence);

      await eventually(async () =>
        expect(ids(await registry.healthy(chat))).toEqual(ids([first.registration, second.registration])),
      );
      await eventually(async () =>
        expect(ids(await registry.healthy(presence))).toEqual([other.registration.id]),
      );
    });

    it('drops an instance whose health check fails and takes it back once it passes again', async () => {
      await open();
      const chat = serviceName('chat-server');
      const steady = await launch(chat);
      const flaky = await launch(chat);
      await eventually(async () =>
        expect(ids(await registry.healthy(chat))).toEqual(ids([steady.registration, flaky.registration])),
      );

      flaky.instance.healthy = false;
      await eventually(async () =>
        expect(ids(await registry.healthy(chat))).toEqual([steady.registration.id]),
      );

      flaky.instance.healthy = true;
      await eventually(async () =>
        expect(ids(await registry.healthy(chat))).toEqual(ids([steady.registration, flaky.registration])),
      );
    });

    it('removes a deregistered instance at once', async () => {
      await open();
      const chat = serviceName('chat-server');
      const staying = await launch(chat);
      const leaving = await launch(chat);
      await eventually(async () => expect(ids(await registry.healthy(chat))).toHaveLength(2));

      await registry.deregister(leaving.registration.id);

      expect(ids(await registry.healthy(chat))).toEqual([staying.registration.id]);
    });

    it('tells a watcher the healthy list at start and after every change, until it stops watching', async () => {
      await open();
      const chat = serviceName('chat-server');
      const first = await launch(chat);
      await eventually(async () =>
        expect(ids(await registry.healthy(chat))).toEqual([first.registration.id]),
      );
      const seen: string[][] = [];
      const witness: string[][] = [];
      const stop = registry.watch(chat, (instances) => seen.push(ids(instances)));
      cleanups.push(async () => stop());
      const stopWitness = registry.watch(chat, (instances) => witness.push(ids(instances)));
      cleanups.push(async () => stopWitness());

      await eventually(() => expect(seen).toEqual([[first.registration.id]]));

      const second = await launch(chat);
      const both = ids([first.registration, second.registration]);
      await eventually(() => expect(seen.at(-1)).toEqual(both));

      first.instance.healthy = false;
      await eventually(() => expect(seen.at(-1)).toEqual([second.registration.id]));

      stop();
      const callsWhenStopped = seen.length;
      await registry.deregister(second.registration.id);
      await eventually(() => expect(witness.at(-1)).toEqual([]));
      expect(seen).toHaveLength(callsWhenStopped);
    });
  });
}
