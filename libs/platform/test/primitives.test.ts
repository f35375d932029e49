import { describe, expect, it } from 'vitest';
import { instanceName, KeyedSerialQueue, ManualClock, SystemClock } from '@playlist-chat/platform';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
};

describe('KeyedSerialQueue', () => {
  it('runs one task of a key at a time, in order, while other keys go ahead', async () => {
    const queue = new KeyedSerialQueue();
    const log: string[] = [];
    const gate = deferred();
    const first = queue.run('room-a', async () => {
      log.push('a1 start');
      await gate.promise;
      log.push('a1 end');
      return 1;
    });
    const second = queue.run('room-a', async () => {
      log.push('a2');
      return 2;
    });
    const other = queue.run('room-b', async () => {
      log.push('b1');
      return 3;
    });

    expect(await other).toBe(3);
    expect(log).toEqual(['a1 start', 'b1']);
    gate.resolve();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('rejects only the failing task and goes on with the key, forgetting idle keys', async () => {
    const queue = new KeyedSerialQueue();
    const failing = queue.run('room', async () => {
      throw new Error('boom');
    });
    const next = queue.run('room', async () => 'next');

    await expect(failing).rejects.toThrow('boom');
    expect(await next).toBe('next');
    await queue.drain();
    expect(queue.activeKeys).toBe(0);
  });
});

describe('clocks', () => {
  it('a manual clock stands still until advanced or set', () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    expect(clock.now().toISOString()).toBe('2026-03-01T10:00:00.000Z');
    clock.advance(90_000);
    expect(clock.now().toISOString()).toBe('2026-03-01T10:01:30.000Z');
    clock.set('2027-01-01T00:00:00.000Z');
    expect(clock.now().toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('the system clock tells the current time', () => {
    const before = Date.now();
    const now = new SystemClock().now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe('instanceName', () => {
  it('prefixes INSTANCE_ID with the service, or falls back to host and pid', () => {
    expect(instanceName({ instanceId: 'node-7' }, 'chat-server')).toBe('chat-server-node-7');
    expect(instanceName({ instanceId: '' }, 'gateway')).toMatch(new RegExp(`^gateway-.+-${process.pid}$`));
  });
});
