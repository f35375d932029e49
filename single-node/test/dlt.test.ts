import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeEvent, type RoomEvent } from '@playlist-chat/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisEventBus } from '@playlist-chat/platform/adapters';
import { expectEventually, startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
import { repoRoot } from './support/repo-root';

const run = promisify(execFile);

describe('npm run dlt (Redis Streams)', () => {
  let redis: TestRedis;
  let bus: RedisEventBus;
  const handledBy = { first: [] as string[], second: [] as string[] };
  let healthy = false;

  const dlt = (...args: string[]) =>
    run(process.execPath, [join(repoRoot, 'single-node/dist/dlt.js'), ...args], {
      env: { ...process.env, EVENT_BUS: 'redis', REDIS_URL: redis.url, LOG_LEVEL: 'silent' },
    });

  beforeAll(async () => {
    redis = await startRedisServer();
    bus = new RedisEventBus({
      redisUrl: redis.url,
      retryPolicy: { maxAttempts: 1, baseDelayMs: 1 },
      leaseMs: 600,
    });
    for (const group of ['first', 'second'] as const) {
      await bus.subscribe('chat.rooms', group, async (event) => {
        if (!healthy) throw new Error(`${group} cannot handle it yet`);
        handledBy[group].push(event.payload.roomId);
      });
    }
    for (const roomId of ['r1', 'r2'])
      await bus.publish(
        'chat.rooms',
        roomId,
        makeEvent<RoomEvent>('room.opened', {
          roomId,
          roomName: roomId,
          owner: { uid: 'o', nickName: 'O', profileImage: null },
        }),
      );
    await expectEventually(async () => expect(await bus.deadLetters('chat.rooms')).toHaveLength(4));
  });
  afterAll(async () => {
    await bus?.close();
    await redis?.stop();
  });

  it('lists one group’s parked events as JSON lines', async () => {
    const { stdout } = await dlt('list', '--topic', 'chat.rooms', '--group', 'first');
    const parked = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { key: string; group: string; error: string });
    // Different keys are handled (and parked) concurrently: compare as a set.
    expect(parked.map((entry) => [entry.key, entry.group]).sort()).toEqual([
      ['r1', 'first'],
      ['r2', 'first'],
    ]);
    expect(parked.every((entry) => entry.error === 'first cannot handle it yet')).toBe(true);
  });

  it('replays to that group only, at most --limit, and leaves the rest parked', async () => {
    healthy = true;
    // Keys park concurrently: the oldest of "first" is whichever parked first.
    const [oldest, newer] = (await bus.deadLetters('chat.rooms', { group: 'first' })).map(
      (entry) => entry.key,
    );
    const { stdout } = await dlt('replay', '--topic', 'chat.rooms', '--group', 'first', '--limit', '1');
    expect(stdout.trim()).toBe('replayed 1');
    await expectEventually(() => expect(handledBy.first).toEqual([oldest]));
    expect(handledBy.second).toEqual([]);
    const left = await bus.deadLetters('chat.rooms');
    expect(left.map((entry) => `${entry.group}:${entry.key}`).sort()).toEqual([
      `first:${newer}`,
      'second:r1',
      'second:r2',
    ]);
  });

  it('refuses a topic that is not one of the bus topics, and creates nothing', async () => {
    await expect(dlt('list', '--topic', 'chat.romos', '--group', 'first')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown topic'),
    });
  });

  it('refuses a malformed call with its usage', async () => {
    await expect(dlt('list')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('usage: npm run dlt'),
    });
  });
});
