import { randomUUID } from 'node:crypto';
import { startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
import { afterAll, beforeAll } from 'vitest';
import { presenceStoreContract } from './presence-store.contract';
import { RedisPresenceStore } from '../../src/presence/presence-store.redis';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

// A fresh key prefix per store: stores share the server but nothing else, sweeps included.
presenceStoreContract(
  'redis',
  async (options) =>
    new RedisPresenceStore({ ...options, url: redis.url, keyPrefix: `test:${randomUUID()}:` }),
);
