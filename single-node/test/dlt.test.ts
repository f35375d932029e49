import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeEvent, type RoomEvent } from '@playlist-chat/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisEventBus } from '@playlist-chat/platform/adapters';
import {
  expectEventually,
  freePort,
  startRedisServer,
  type TestRedis,
} from '@playlist-chat/platform/testing';
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

  it('reads the bus from .env at the repository root, as npm start does; the environment wins', async () => {
    // A copy of the tool in a repository of its own (the real one's node_modules), so the test
    // writes its own .env and never the real one, which other tests read.
    const root = mkdtempSync(join(tmpdir(), 'dlt-env-'));
    try {
      mkdirSync(join(root, 'single-node', 'dist'), { recursive: true });
      copyFileSync(join(repoRoot, 'single-node/dist/dlt.js'), join(root, 'single-node/dist/dlt.js'));
      symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
      writeFileSync(join(root, '.env'), `EVENT_BUS=redis\nREDIS_URL=${redis.url}\n`);
      const { EVENT_BUS: _bus, REDIS_URL: _url, ...withoutBus } = process.env;
      const copy = (env: NodeJS.ProcessEnv) =>
        run(
          process.execPath,
          [join(root, 'single-node/dist/dlt.js'), 'list', '--topic', 'chat.rooms', '--group', 'second'],
          {
            env: { ...env, LOG_LEVEL: 'silent' },
          },
        );
      const { stdout } = await copy(withoutBus);
      const keys = stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { key: string }).key);
      expect(keys.sort()).toEqual(['r1', 'r2']);
      await expect(copy({ ...withoutBus, EVENT_BUS: 'memory' })).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringContaining('EVENT_BUS=memory'),
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a mistyped option or a second command with its usage, not a stack trace', async () => {
    for (const args of [
      ['list', '--topic', 'chat.rooms', '--groupp', 'first'],
      ['list', 'replay', '--topic', 'chat.rooms'],
    ]) {
      const refused = dlt(...args);
      await expect(refused).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringContaining('usage: npm run dlt'),
      });
      await expect(refused).rejects.not.toMatchObject({ stderr: expect.stringContaining('    at ') });
    }
  });

  it('says which setting to check when the bus cannot be reached, without a stack trace', async () => {
    const port = await freePort();
    const unreachable = run(
      process.execPath,
      [join(repoRoot, 'single-node/dist/dlt.js'), 'list', '--topic', 'chat.rooms'],
      {
        env: {
          ...process.env,
          EVENT_BUS: 'redis',
          REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`,
          LOG_LEVEL: 'silent',
        },
      },
    );
    await expect(unreachable).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('REDIS_URL'),
    });
    const { stderr } = await unreachable.catch((error: { stderr: string }) => error);
    expect(stderr).not.toContain('    at ');
    expect(stderr).not.toContain('hunter2');
    expect(stderr).not.toContain('DEBUG');
  }, 30_000);

  it('refuses a malformed call with its usage', async () => {
    await expect(dlt('list')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('usage: npm run dlt'),
    });
  });
});
