import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
import { roomFanoutContract } from './room-fanout.contract';
import { expectClosesWithin, expectPingRefusedAtOnceWhileDown } from './support/redis-outage';
import { RedisRoomFanout } from '../src/room-fanout/room-fanout.redis';

let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await redis?.stop();
});

// One private redis-server for the file; every test uses channels named after fresh UUIDs.
roomFanoutContract('Redis', async () => ({ instance: () => new RedisRoomFanout(redis.url) }));

describe('Redis fan-out across a redis-server restart', () => {
  it('receives its channels again and says so (onResumed), so the caller can catch up what was lost', async () => {
    const own = await startRedisServer();
    let restarted: TestRedis | undefined;
    const [listener, publisher] = [new RedisRoomFanout(own.url), new RedisRoomFanout(own.url)];
    try {
      const received: string[] = [];
      let resumed = 0;
      listener.onMessage((_channel, payload) => received.push(payload));
      listener.onResumed(() => (resumed += 1));
      await listener.subscribe('room:restart');
      await publisher.publish('room:restart', 'before');
      await expectEventually(() => expect(received).toEqual(['before']));

      await own.stop();
      restarted = await startRedisServer({ port: own.port });
      await expectEventually(() => expect(resumed).toBe(1), { timeoutMs: 15_000 });
      await publisher.publish('room:restart', 'after');
      await expectEventually(() => expect(received).toEqual(['before', 'after']));
    } finally {
      await Promise.all([listener.close(), publisher.close()]);
      await restarted?.stop();
    }
  }, 30_000);
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('Redis fan-out closing', () => {
  it('quits politely while its redis-server is up: a publish sent just before close() is answered and delivered', async () => {
    const [listener, publisher] = [new RedisRoomFanout(redis.url), new RedisRoomFanout(redis.url)];
    try {
      const received: string[] = [];
      listener.onMessage((_channel, payload) => received.push(payload));
      await listener.subscribe('room:polite');
      await publisher.publish('room:polite', 'first');
      const last = publisher.publish('room:polite', 'last');
      await publisher.close();
      await expect(last).resolves.toBeUndefined();
      await expectEventually(() => expect(received).toEqual(['first', 'last']));
    } finally {
      await Promise.all([listener.close(), publisher.close()]);
    }
  });

  it('closes within a bound while its redis-server is down, even with commands waiting for it to come back', async () => {
    const own = await startRedisServer();
    const fanout = new RedisRoomFanout(own.url);
    await fanout.subscribe('room:outage');
    await fanout.publish('room:outage', 'before');
    await own.stop();
    await sleep(500); // reconnecting by now: what is sent next waits for Redis
    // What a readiness probe and a session joining a room do during the outage (never answered).
    void fanout.ping().catch(() => undefined);
    void fanout.subscribe('room:later').catch(() => undefined);
    await sleep(100);

    await expectClosesWithin(() => fanout.close());
  }, 20_000);

  it(
    'answers a readiness ping at once while its redis-server is down, instead of at the check’s timeout',
    () => expectPingRefusedAtOnceWhileDown((url) => new RedisRoomFanout(url)),
    20_000,
  );
});
