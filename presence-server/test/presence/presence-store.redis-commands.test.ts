import { randomUUID } from 'node:crypto';
import { startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisPresenceStore } from '../../src/presence/presence-store.redis';

/** Commands the server executed so far, by name, from `INFO commandstats` (the INFO calls themselves excluded). */
async function commandCounts(admin: Redis): Promise<Map<string, number>> {
  const info = await admin.info('commandstats');
  const counts = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (match[1] !== 'info') counts.set(match[1], Number(match[2]));
  }
  return counts;
}

async function commandsDuring(admin: Redis, action: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await commandCounts(admin);
  await action();
  const after = await commandCounts(admin);
  const delta: Record<string, number> = {};
  for (const [name, calls] of after) {
    const added = calls - (before.get(name) ?? 0);
    if (added > 0) delta[name] = added;
  }
  return delta;
}

const total = (counts: Record<string, number>): number =>
  Object.values(counts).reduce((sum, calls) => sum + calls, 0);

describe('Redis presence store: command count of batch reads', () => {
  let redis: TestRedis;
  let admin: Redis;
  let store: RedisPresenceStore;
  const now = new Date('2026-03-01T12:00:00.000Z');

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    store = new RedisPresenceStore({
      url: redis.url,
      keyPrefix: `count:${randomUUID()}:`,
      deviceTtlMs: 60_000,
    });
  });
  afterAll(async () => {
    await store?.close();
    await admin?.quit();
    await redis?.stop();
  });

  async function roomOf(size: number): Promise<string> {
    const roomId = randomUUID();
    await store.openRoom(roomId, { uid: 'owner', nickName: 'owner' }, now);
    const uids = Array.from({ length: size - 1 }, (_, index) => `member-${index}`);
    await Promise.all(uids.map((uid) => store.addMember(roomId, { uid, nickName: uid }, now)));
    await Promise.all(
      uids
        .filter((_, index) => index % 2 === 0)
        .map((uid) => store.connectDevice(roomId, uid, 'device', now)),
    );
    return roomId;
  }

  it("answers a 1,000-member room's list with the same few commands as a 10-member room's", async () => {
    const small = await roomOf(10);
    const large = await roomOf(1000);

    let largeList: Awaited<ReturnType<RedisPresenceStore['listStates']>> = null;
    const forSmall = await commandsDuring(admin, () => store.listStates(small, now));
    const forLarge = await commandsDuring(admin, async () => {
      largeList = await store.listStates(large, now);
    });

    expect(largeList).toHaveLength(1000);
    expect(largeList!.filter((member) => member.state === 'on')).toHaveLength(500);
    // One MULTI round trip: MULTI, EXISTS, HGETALL, SMEMBERS, ZRANGEBYSCORE, EXEC.
    expect(forLarge).toMatchObject({ hgetall: 1, zrangebyscore: 1 });
    expect(forLarge).toEqual(forSmall);
    expect(total(forLarge)).toBeLessThanOrEqual(6);
  });

  it("answers one member's lookup in a 1,000-member room with a constant number of commands", async () => {
    const large = await roomOf(1000);
    let lookup: Awaited<ReturnType<RedisPresenceStore['getMember']>> | undefined;
    const counts = await commandsDuring(admin, async () => {
      lookup = await store.getMember(large, 'member-2', now);
    });
    expect(lookup?.member?.state).toBe('on');
    expect(counts).toMatchObject({ hget: 1, zcount: 1 });
    expect(total(counts)).toBeLessThanOrEqual(6);
  });
});
