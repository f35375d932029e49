import { afterAll, beforeAll } from 'vitest';
import { startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
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
