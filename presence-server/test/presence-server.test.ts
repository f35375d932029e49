import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@playlist-chat/platform';
import { sharedInMemoryServiceRegistry } from '@playlist-chat/platform/adapters';
import { expectEventually } from '@playlist-chat/platform/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPresenceServer } from '../src/index';
import { events, presenceApi, startPresenceHarness, type PresenceHarness } from './support/presence-harness';

describe('presence server start-up and configuration', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'presence-config-'));
    dirs.push(dir);
    return dir;
  };

  it('refuses to start on a bad variable and names it', async () => {
    const error = await startPresenceServer({
      PRESENCE_PORT: 'eighty',
      PRESENCE_DEVICE_TTL_SECONDS: '0',
      DATA_DIR: dataDir(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringContaining('PRESENCE_PORT must be an integer from 0 to 65535'),
      expect.stringContaining('PRESENCE_DEVICE_TTL_SECONDS must be an integer from 1 to 86400'),
    ]);
  });

  it('refuses an unknown store adapter', async () => {
    const error = await startPresenceServer({
      PRESENCE_PORT: '0',
      PRESENCE_STORE: 'sqlite',
      DATA_DIR: dataDir(),
    }).catch((e: unknown) => e);
    expect((error as ConfigError).problems).toEqual([
      expect.stringContaining('PRESENCE_STORE must be one of memory, redis'),
    ]);
  });

  it('refuses the in-memory store in a cluster, naming the setting', async () => {
    const error = await startPresenceServer({
      PRESENCE_PORT: '0',
      DEPLOYMENT_MODE: 'cluster',
      PRESENCE_STORE: 'memory',
      DATA_DIR: dataDir(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('PRESENCE_STORE must not be memory when DEPLOYMENT_MODE=cluster'),
      ]),
    );
  });

  it('needs REDIS_URL for the Redis store, including the cluster default', async () => {
    const explicit = await startPresenceServer({
      PRESENCE_PORT: '0',
      PRESENCE_STORE: 'redis',
      DATA_DIR: dataDir(),
    }).catch((e: unknown) => e);
    expect((explicit as ConfigError).problems).toContainEqual(
      expect.stringContaining('REDIS_URL is required'),
    );

    const cluster = await startPresenceServer({
      PRESENCE_PORT: '0',
      DEPLOYMENT_MODE: 'cluster',
      AUTH_JWT_SECRET: 'x'.repeat(32),
      PRESENCE_INTERNAL_TOKEN: 'internal-secret-of-the-test',
    }).catch((e: unknown) => e);
    expect(cluster).toBeInstanceOf(ConfigError);
    expect((cluster as ConfigError).problems).toContainEqual(
      expect.stringContaining('REDIS_URL is required when PRESENCE_STORE is redis'),
    );
  });
});

describe('presence server as a service', () => {
  let harness: PresenceHarness;

  beforeAll(async () => {
    harness = await startPresenceHarness({
      PRESENCE_INTERNAL_TOKEN: 'internal-secret-of-the-test',
      PRESENCE_DISCONNECT_GRACE_SECONDS: '5',
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('listens on the port it reports', () => {
    expect(harness.server.name).toBe('presence-server');
    expect(harness.server.port).toBeGreaterThan(0);
    expect(harness.server.url).toBe(`http://127.0.0.1:${harness.server.port}`);
  });

  it('answers liveness and readiness', async () => {
    const live = await fetch(`${harness.server.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${harness.server.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { 'presence-store': { status: 'up' } } });
  });

  it('serves Swagger UI and an OpenAPI document with every presence route', async () => {
    const ui = await fetch(`${harness.server.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');

    const document = (await (await fetch(`${harness.server.url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/presence/{roomId}/on',
        '/api/v1/presence/{roomId}/off',
        '/api/v1/presence/on',
        '/api/v1/presence/off',
        '/internal/v1/presence/{roomId}/members/{uid}',
      ]),
    );
    expect(Object.keys(document.paths['/api/v1/presence/on'])).toEqual(['patch']);
  });

  it('is registered in discovery as presence-server', async () => {
    const instances = await sharedInMemoryServiceRegistry().healthy('presence-server');
    expect(instances).toContainEqual(
      expect.objectContaining({ service: 'presence-server', host: '127.0.0.1', port: harness.server.port }),
    );
  });

  it('keeps a member on through a page reload within PRESENCE_DISCONNECT_GRACE_SECONDS, and off after it', async () => {
    const api = presenceApi(harness.server.url);
    const roomId = randomUUID();
    const token = await harness.tokenFor('alice');
    const announced = (uid: string) =>
      harness.announced
        .filter((change) => change.roomId === roomId && change.uid === uid)
        .map((change) => `${change.state}/${change.cause}`);
    // Handlers read the clock when they run, so each step waits for a later event of the room (per-room order) before the clock moves.
    const applied = async (marker: string) => {
      await harness.deviceEvent(roomId, events.connected(roomId, marker, 'marker'));
      await expectEventually(() => expect(announced(marker)).toEqual(['on/device']));
    };
    await harness.roomEvent(events.opened(roomId, 'alice'));
    for (const uid of ['bob', 'marker-1', 'marker-2']) await harness.roomEvent(events.joined(roomId, uid));
    await harness.deviceEvent(roomId, events.connected(roomId, 'alice', 'tab-1'));
    await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'bob-1'));
    await expectEventually(() =>
      expect([...announced('alice'), ...announced('bob')]).toEqual(['on/device', 'on/device']),
    );

    // t=0: alice reloads (tab-1 goes, tab-2 comes at t=4s and goes too); bob leaves for good.
    await harness.deviceEvent(roomId, events.disconnected(roomId, 'alice', 'tab-1'));
    await harness.deviceEvent(roomId, events.disconnected(roomId, 'bob', 'bob-1'));
    await applied('marker-1');
    harness.clock.advance(4_000);
    await harness.deviceEvent(roomId, events.connected(roomId, 'alice', 'tab-2'));
    await harness.deviceEvent(roomId, events.disconnected(roomId, 'alice', 'tab-2'));
    await applied('marker-2');

    // t=6s: bob's and tab-1's grace ended (one sweep sees both); tab-2's has not, so alice never flickered.
    harness.clock.advance(2_000);
    await expectEventually(() => expect(announced('bob')).toEqual(['on/device', 'off/expiry']));
    expect(announced('alice')).toEqual(['on/device']);
    expect(await api.uids(roomId, 'on', token)).toEqual(['alice', 'marker-1', 'marker-2']);

    // t=10s: tab-2's grace ended too.
    harness.clock.advance(4_000);
    await expectEventually(() => expect(announced('alice')).toEqual(['on/device', 'off/expiry']));
    expect(await api.uids(roomId, 'off', token)).toEqual(['alice', 'bob']);
  });

  it('asks for the internal token on /internal when one is configured', async () => {
    const api = presenceApi(harness.server.url);
    const roomId = randomUUID();
    await harness.roomEvent(events.opened(roomId, 'alice'));

    const without = await api.member(roomId, 'alice');
    expect(without).toEqual({
      status: 401,
      body: {
        statusCode: 401,
        error: 'Unauthorized',
        code: 'internal-only',
        message: 'a valid x-internal-token header is required',
      },
    });
    expect((await api.member(roomId, 'alice', { 'x-internal-token': 'wrong' })).status).toBe(401);

    const withToken = await api.member(roomId, 'alice', {
      'x-internal-token': 'internal-secret-of-the-test',
    });
    expect(withToken.status).toBe(200);
    expect(withToken.body).toMatchObject({ uid: 'alice', mayChat: true });
  });
});

describe('presence server shutdown', () => {
  it('deregisters, stops serving and can be closed twice', async () => {
    const harness = await startPresenceHarness();
    const { url, port } = harness.server;
    const registered = async () =>
      (await sharedInMemoryServiceRegistry().healthy('presence-server')).some(
        (instance) => instance.port === port,
      );
    expect(await registered()).toBe(true);

    await harness.close();
    await harness.server.close();
    expect(await registered()).toBe(false);
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });
});

describe('the internal API in a cluster', () => {
  it('refuses to start without PRESENCE_INTERNAL_TOKEN, naming it', async () => {
    const error = await startPresenceServer({
      PRESENCE_PORT: '0',
      DEPLOYMENT_MODE: 'cluster',
      AUTH_JWT_SECRET: 'x'.repeat(32),
      PRESENCE_STORE: 'memory',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toContainEqual(
      expect.stringContaining('PRESENCE_INTERNAL_TOKEN is required when DEPLOYMENT_MODE=cluster'),
    );
  });

  it('refuses to start with a PRESENCE_INTERNAL_TOKEN anyone could guess, naming it and not printing it', async () => {
    const error = await startPresenceServer({
      PRESENCE_PORT: '0',
      DEPLOYMENT_MODE: 'cluster',
      AUTH_JWT_SECRET: 'x'.repeat(32),
      PRESENCE_STORE: 'memory',
      PRESENCE_INTERNAL_TOKEN: 'letmein',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems.find((line) => line.includes('PRESENCE_INTERNAL_TOKEN'));
    expect(problem).toContain('must be at least 16 bytes, got 7');
    expect(problem).not.toContain('letmein');
  });
});
