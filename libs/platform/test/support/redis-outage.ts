import { expect } from 'vitest';
import { startRedisServer } from '@playlist-chat/platform/testing';

/** A Redis adapter as readiness and shutdown see it. */
interface Pinged {
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a private redis-server, connects `open(url)` to it, stops the server, and checks that
 * the adapter's readiness ping is refused at once while its client reconnects (not at the
 * readiness check's timeout, nor never).
 */
export async function expectPingRefusedAtOnceWhileDown(open: (url: string) => Pinged): Promise<void> {
  const redis = await startRedisServer();
  const adapter = open(redis.url);
  try {
    await adapter.ping();
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 500)); // reconnecting by now
    const started = Date.now();
    await expect(adapter.ping()).rejects.toThrow(/not connected/);
    expect(Date.now() - started).toBeLessThan(200);
  } finally {
    await adapter.close();
  }
}

/** `close()` settles within `boundMs` (it is given up on after `giveUpMs`, and the test fails saying so). */
export async function expectClosesWithin(
  close: () => Promise<void>,
  boundMs = 3_000,
  giveUpMs = 10_000,
): Promise<void> {
  const started = Date.now();
  const outcome = await Promise.race([
    close().then(() => 'closed'),
    new Promise((resolve) => setTimeout(() => resolve('still closing'), giveUpMs)),
  ]);
  const ms = Date.now() - started;
  expect(outcome, `after ${ms} ms`).toBe('closed');
  expect(ms).toBeLessThan(boundMs);
}
