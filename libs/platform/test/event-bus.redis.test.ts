import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { makeEvent, type RoomEvent } from '@playlist-chat/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectEventually,
  freePort,
  startRedisServer,
  type TestRedis,
} from '@playlist-chat/platform/testing';
import { eventBusContract } from './event-bus.contract';
import { expectClosesWithin, expectPingRefusedAtOnceWhileDown } from './support/redis-outage';
import type { DeliveryInfo } from '../src/event-bus/event-bus.port';
import { RedisEventBus } from '../src/event-bus/event-bus.redis';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.stop());

/** Each bus has its own key prefix: its own streams, groups and leases on the shared server. */
const busOn = (prefix: string, retryPolicy = { maxAttempts: 3, baseDelayMs: 5 }) =>
  new RedisEventBus({ redisUrl: redis.url, retryPolicy, keyPrefix: prefix, leaseMs: 600, blockMs: 100 });

eventBusContract('Redis Streams', async (retryPolicy) => busOn(`t-${randomUUID()}`, retryPolicy), {
  // A bus created while nothing listens on its port; `up` starts a redis-server there.
  outage: async (retryPolicy) => {
    const port = await freePort();
    let server: TestRedis | undefined;
    return {
      bus: new RedisEventBus({
        redisUrl: `redis://127.0.0.1:${port}`,
        retryPolicy,
        leaseMs: 600,
        blockMs: 100,
      }),
      up: async () => {
        server = await startRedisServer({ port });
      },
      dispose: async () => {
        await server?.stop();
      },
    };
  },
});

const opened = (roomId: string, roomName: string): RoomEvent =>
  makeEvent<RoomEvent>('room.opened', {
    roomId,
    roomName,
    owner: { uid: 'o', nickName: 'O', profileImage: null },
  });

describe('RedisEventBus across processes', () => {
  it('hands a group over when its reader is killed with SIGKILL: the event it held is handled by the other', async () => {
    const prefix = `t-${randomUUID()}`;
    // The first reader: another process that dies, unacknowledged, as soon as it is handed an event.
    const dying = spawn(
      process.execPath,
      [
        '-e',
        `const { RedisEventBus } = require(${JSON.stringify(join(__dirname, '..', 'dist', 'event-bus', 'event-bus.redis.js'))});
         const bus = new RedisEventBus({ redisUrl: ${JSON.stringify(redis.url)}, retryPolicy: { maxAttempts: 3, baseDelayMs: 5 }, keyPrefix: ${JSON.stringify(prefix)}, leaseMs: 600, blockMs: 100 });
         bus.subscribe('chat.rooms', 'workers', async () => { process.stdout.write('took\\n'); process.kill(process.pid, 'SIGKILL'); })
           .then(() => process.stdout.write('ready\\n'));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    dying.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const died = new Promise<string | null>((resolve) =>
      dying.once('exit', (_code, signal) => resolve(signal)),
    );
    await expectEventually(() => expect(output).toContain('ready'), { timeoutMs: 10_000 });

    const bus = busOn(prefix);
    const handled: Array<{ roomName: string; info: DeliveryInfo }> = [];
    try {
      await bus.subscribe('chat.rooms', 'workers', async (event, info) => {
        handled.push({ roomName: event.type === 'room.opened' ? event.payload.roomName : '', info });
      });
      // The first process holds the group's lease: it gets the event, and dies holding it.
      const roomId = randomUUID();
      await bus.publish('chat.rooms', roomId, opened(roomId, 'held by the dead'));
      expect(await died).toBe('SIGKILL');
      expect(output).toContain('took');

      await expectEventually(() => expect(handled.map((h) => h.roomName)).toEqual(['held by the dead']), {
        timeoutMs: 10_000,
      });
      expect(handled[0].info.attempt).toBeGreaterThan(1); // a redelivery, not a first delivery
      const next = randomUUID();
      await bus.publish('chat.rooms', next, opened(next, 'after the take-over'));
      await expectEventually(() =>
        expect(handled.map((h) => h.roomName)).toEqual(['held by the dead', 'after the take-over']),
      );
    } finally {
      dying.kill('SIGKILL');
      await bus.close();
    }
  });

  it('connects again after a failed first connection: publishing works once Redis is up', async () => {
    const late = await startRedisServer();
    const port = late.port;
    await late.stop();
    const bus = new RedisEventBus({
      redisUrl: `redis://127.0.0.1:${port}`,
      retryPolicy: { maxAttempts: 1, baseDelayMs: 1 },
      keyPrefix: `t-${randomUUID()}`,
    });
    let revived: TestRedis | undefined;
    try {
      await expect(bus.publish('chat.rooms', 'k', opened('r1', 'while down'))).rejects.toThrow();
      revived = await startRedisServer({ port });
      await expectEventually(() => bus.publish('chat.rooms', 'k', opened('r2', 'once up')), {
        timeoutMs: 10_000,
      });
      expect(await bus.commands.xlen(bus.streamKey('chat.rooms'))).toBe(1);
    } finally {
      await bus.close();
      await revived?.stop();
    }
  });

  it('reads again after Redis restarts without its data: the lost group is made again', async () => {
    const server = await startRedisServer(); // no AOF, no snapshot: a restart loses everything
    const port = server.port;
    const bus = new RedisEventBus({
      redisUrl: server.url,
      retryPolicy: { maxAttempts: 1, baseDelayMs: 1 },
      keyPrefix: `t-${randomUUID()}`,
      leaseMs: 600,
      blockMs: 100,
    });
    let revived: TestRedis | undefined;
    try {
      const handled: string[] = [];
      await bus.subscribe('chat.rooms', 'presence-server', async (event) => {
        handled.push(event.type === 'room.opened' ? event.payload.roomName : event.type);
      });
      await bus.publish('chat.rooms', 'k', opened('before', 'before'));
      await expectEventually(() => expect(handled).toEqual(['before']));
      await server.stop();
      revived = await startRedisServer({ port });
      await expectEventually(() => bus.publish('chat.rooms', 'k', opened('after', 'after')), {
        timeoutMs: 10_000,
      });
      await expectEventually(() => expect(handled).toEqual(['before', 'after']), { timeoutMs: 10_000 });
    } finally {
      await bus.close();
      await revived?.stop();
    }
  });

  it('keeps each stream bounded by maxStreamLength', async () => {
    const prefix = `t-${randomUUID()}`;
    const bus = new RedisEventBus({
      redisUrl: redis.url,
      retryPolicy: { maxAttempts: 1, baseDelayMs: 1 },
      keyPrefix: prefix,
      maxStreamLength: 100,
    });
    try {
      for (let i = 0; i < 1_000; i++)
        await bus.publish('chat.rooms', `k${i % 7}`, opened(`r${i}`, String(i)));
      const length = await bus.commands.xlen(bus.streamKey('chat.rooms'));
      expect(length).toBeLessThan(300); // approximate trimming (MAXLEN ~) keeps it near 100
    } finally {
      await bus.close();
    }
  });
});

describe('RedisEventBus stopping', () => {
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const retryPolicy = { maxAttempts: 1, baseDelayMs: 1 };

  it('removes a per-instance group when its subscription closes while Redis is up', async () => {
    const bus = busOn(`t-${randomUUID()}`, retryPolicy);
    try {
      const subscription = await bus.subscribe('presence.changes', 'chat-server:up', async () => undefined, {
        perInstance: true,
      });
      const stream = bus.streamKey('presence.changes');
      const groupsOn = async () =>
        ((await bus.commands.xinfo('GROUPS', stream)) as unknown[][]).map((group) => group[1]);
      expect(await groupsOn()).toEqual(['chat-server:up']);
      await subscription.close();
      expect(await groupsOn()).toEqual([]);
      expect(await bus.commands.exists(bus.streamKey('presence.changes.replay.chat-server:up'))).toBe(0);
    } finally {
      await bus.close();
    }
  });

  it('closes a per-instance subscription, then itself, within a bound while its redis-server is down', async () => {
    const own = await startRedisServer();
    const bus = new RedisEventBus({
      redisUrl: own.url,
      retryPolicy,
      keyPrefix: `t-${randomUUID()}`,
      leaseMs: 5_000,
      blockMs: 100,
    });
    const subscription = await bus.subscribe('presence.changes', 'chat-server:down', async () => undefined, {
      perInstance: true,
    });
    await bus.subscribe('chat.rooms', 'shared', async () => undefined);
    await own.stop();
    await sleep(500); // reconnecting by now: what is sent next waits for Redis

    await expectClosesWithin(async () => {
      await subscription.close();
      await bus.close();
    });
  }, 20_000);

  it(
    'answers a readiness ping at once while its redis-server is down, instead of at the check’s timeout',
    () =>
      expectPingRefusedAtOnceWhileDown(
        (url) =>
          new RedisEventBus({
            redisUrl: url,
            retryPolicy,
            keyPrefix: `t-${randomUUID()}`,
            leaseMs: 600,
            blockMs: 100,
          }),
      ),
    20_000,
  );
});
