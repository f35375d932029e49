import { randomUUID } from 'node:crypto';
import { expectEventually, startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEVICE_TTL_SECONDS,
  events,
  presenceApi,
  checkConnectedMembersGauge,
  startPresenceHarness,
  type PresenceHarness,
} from './support/presence-harness';

/** Calls per command since the server started, from `INFO commandstats`. */
async function commandCounts(admin: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const match of (await admin.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    counts.set(match[1], Number(match[2]));
  return counts;
}

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

describe('presence server on the Redis store (real redis-server)', () => {
  let harness: PresenceHarness;
  let api: ReturnType<typeof presenceApi>;

  beforeAll(async () => {
    harness = await startPresenceHarness({ PRESENCE_STORE: 'redis', REDIS_URL: redis.url });
    api = presenceApi(harness.server.url);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('tells the chat servers once when its Redis comes back empty (presence.store-reset)', async () => {
    // A new store is one that lost everything: told once at start.
    await expectEventually(() => expect(harness.resets).toHaveLength(1));
    const roomId = randomUUID();
    await harness.roomEvent(events.opened(roomId, 'alice', 'Alice'));
    const alice = await harness.tokenFor('alice');
    await expectEventually(async () => expect(await api.uids(roomId, 'off', alice)).toEqual(['alice']));
    await new Promise((resolve) => setTimeout(resolve, 200)); // ten sweeps: still one
    expect(harness.resets).toHaveLength(1);

    const admin = new Redis(redis.url);
    try {
      await admin.flushall();
    } finally {
      admin.disconnect();
    }
    await expectEventually(() => expect(harness.resets).toHaveLength(2));
    expect(harness.resets[1]).toMatchObject({ type: 'presence.store-reset', version: 1, payload: {} });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(harness.resets).toHaveLength(2);
  });

  it('reports the store ready', async () => {
    expect(await (await fetch(`${harness.server.url}/health/ready`)).json()).toMatchObject({
      info: { 'presence-store': { status: 'up' } },
    });
  });

  it('exposes presence_connected_members: memberships with a connected device', async () => {
    await checkConnectedMembersGauge(harness);
  });

  it('follows connects, disconnects, PATCH and expiry, as with the memory store', async () => {
    const roomId = randomUUID();
    await harness.roomEvent(events.opened(roomId, 'alice', 'Alice'));
    await harness.roomEvent(events.joined(roomId, 'bob', 'Bob'));
    const alice = await harness.tokenFor('alice');
    const bob = await harness.tokenFor('bob');
    await expectEventually(async () =>
      expect(await api.uids(roomId, 'off', alice)).toEqual(['alice', 'bob']),
    );

    await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'phone'));
    await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'laptop'));
    await harness.deviceEvent(roomId, events.disconnected(roomId, 'bob', 'phone'));
    // Per-room order: once alice's device counts, bob's three events were applied (before the clock moves).
    await harness.deviceEvent(roomId, events.connected(roomId, 'alice', 'alice-1'));
    await expectEventually(async () => expect(await api.uids(roomId, 'on', alice)).toEqual(['alice', 'bob']));
    const bobChanges = () =>
      harness.announced.filter((change) => change.roomId === roomId && change.uid === 'bob');

    expect((await api.turn('off', bob, { roomId })).body).toMatchObject({
      state: 'off',
      mayChat: false,
      changed: true,
    });
    expect(await api.uids(roomId, 'on', alice)).toEqual(['alice']);
    expect((await api.turn('on', bob, { roomId })).body).toMatchObject({
      state: 'on',
      mayChat: true,
      changed: true,
    });

    harness.clock.advance(DEVICE_TTL_SECONDS * 1000);
    await expectEventually(() =>
      expect(bobChanges().at(-1)).toMatchObject({ state: 'off', cause: 'expiry' }),
    );
    expect(await api.uids(roomId, 'on', alice)).toEqual([]);
    expect(bobChanges().map((change) => `${change.state}/${change.cause}`)).toEqual([
      'on/device',
      'off/manual',
      'on/manual',
      'off/expiry',
    ]);
  });
});

describe('presence server on Redis: cost of a batch read', () => {
  let admin: Redis;
  let harness: PresenceHarness;
  let api: ReturnType<typeof presenceApi>;

  beforeAll(async () => {
    admin = new Redis(redis.url);
    // No sweep during this suite: its script's commands must not mix with the counted ones.
    harness = await startPresenceHarness({
      PRESENCE_STORE: 'redis',
      REDIS_URL: redis.url,
      PRESENCE_SWEEP_INTERVAL_MS: '600000',
    });
    api = presenceApi(harness.server.url);
  });
  afterAll(async () => {
    await harness?.close();
    await admin?.quit();
  });

  it("answers a 1,000-member room's on-list over HTTP with the same few Redis commands as a 3-member room's", async () => {
    const reader = await harness.tokenFor('owner-0');

    async function roomOf(size: number): Promise<string> {
      const roomId = randomUUID();
      await harness.roomEvent(events.opened(roomId, 'owner-0'));
      for (let index = 1; index < size; index += 1)
        await harness.roomEvent(events.joined(roomId, `member-${index}`));
      for (let index = 1; index < size; index += 2)
        await harness.deviceEvent(roomId, events.connected(roomId, `member-${index}`, 'device'));
      await expectEventually(
        async () => expect(await api.uids(roomId, 'on', reader)).toHaveLength(Math.floor(size / 2)),
        { timeoutMs: 20_000 },
      );
      return roomId;
    }

    /** Commands one GET /on costs, minus the ones others may send meanwhile (the registry's health PING, our INFO). */
    async function commandsOfOnList(
      roomId: string,
    ): Promise<{ counts: Record<string, number>; members: number }> {
      const before = await commandCounts(admin);
      const response = await api.list(roomId, 'on', reader);
      const after = await commandCounts(admin);
      const counts: Record<string, number> = {};
      for (const [name, calls] of after) {
        const added = calls - (before.get(name) ?? 0);
        if (added > 0 && name !== 'info' && name !== 'ping') counts[name] = added;
      }
      return { counts, members: (response.body.members as unknown[]).length };
    }

    const small = await commandsOfOnList(await roomOf(3));
    const large = await commandsOfOnList(await roomOf(1000));
    expect(small.members).toBe(1);
    expect(large.members).toBe(500);
    expect(large.counts).toMatchObject({ hgetall: 1, smembers: 1 });
    expect(large.counts).toEqual(small.counts);
    expect(Object.values(large.counts).reduce((sum, calls) => sum + calls, 0)).toBeLessThanOrEqual(6);
  });
});
