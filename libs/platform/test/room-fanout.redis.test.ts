import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
import { roomFanoutContract } from './room-fanout.contract';
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
