import { randomUUID } from 'node:crypto';
import { ConsoleLogger, Logger, type LoggerService } from '@nestjs/common';
import { expectEventually, startRedisServer } from '@playlist-chat/platform/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedisPresenceStore } from '../../src/presence/presence-store.redis';

/** What went to the app's log (the Nest logger, JSON lines in production), as `level [context] message`. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (message: unknown, context?: string) => this.lines.push(`log [${context}] ${String(message)}`);
  warn = (message: unknown, context?: string) => this.lines.push(`warn [${context}] ${String(message)}`);
  error = (message: unknown, _stack?: string, context?: string) =>
    this.lines.push(`error [${context}] ${String(message)}`);
  debug = () => undefined;
  verbose = () => undefined;
}

describe('Redis presence store while its Redis is down', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    Logger.overrideLogger(new ConsoleLogger());
  });

  it('reports its connection errors through the log (never as ioredis "Unhandled error event" output), and fails its readiness ping at once', async () => {
    const log = new CapturingLogger();
    Logger.overrideLogger(log);
    // Where ioredis writes an error event nobody listens to (console.error, i.e. stderr).
    const consoleErrors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      consoleErrors.push(args.map(String).join(' '));
    });
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      stderr.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stderr.write);

    const redis = await startRedisServer();
    const store = new RedisPresenceStore({
      url: redis.url,
      keyPrefix: `outage:${randomUUID()}:`,
      deviceTtlMs: 60_000,
    });
    try {
      await store.ping();
      await redis.stop();
      // Its reconnect attempts fail (ECONNREFUSED): each one is an 'error' event of the client.
      await expectEventually(
        () => expect([...log.lines, ...consoleErrors, ...stderr].join('\n')).toMatch(/ECONNREFUSED/),
        { timeoutMs: 8_000 },
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // a few more attempts
      expect([...consoleErrors, ...stderr].filter((line) => line.includes('Unhandled error event'))).toEqual(
        [],
      );
      expect(log.lines.filter((line) => line.includes('ECONNREFUSED'))[0]).toMatch(
        /^warn \[RedisPresenceStore\] Redis connection: connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
      );
      // Readiness says so at once, not at the check's 3 s timeout.
      const started = Date.now();
      await expect(store.ping()).rejects.toThrow(/not connected/);
      expect(Date.now() - started).toBeLessThan(200);
    } finally {
      await store.close();
      await redis.stop(); // again when a check failed first: stopping twice is harmless
    }
  }, 20_000);
});
