import { describe, expect, it } from 'vitest';
import { ManualClock } from '@playlist-chat/platform';
import { ChatError } from '../errors/chat-error';
import { ActionLimit, RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows the burst, then one more per refill interval, per key', () => {
    const clock = new ManualClock('2026-04-01T09:00:00.000Z');
    const limiter = new RateLimiter(clock, 2, 1000);
    expect([limiter.tryTake('a'), limiter.tryTake('a'), limiter.tryTake('a')]).toEqual([true, true, false]);
    expect(limiter.tryTake('b')).toBe(true);
    clock.advance(500);
    expect(limiter.tryTake('a')).toBe(true);
    expect(limiter.tryTake('a')).toBe(false);
  });
});

describe('ActionLimit', () => {
  it('refuses with rate-limited, naming what and the limit, and when to try again', () => {
    const clock = new ManualClock('2026-04-01T09:00:00.000Z');
    const limit = new ActionLimit(clock, 'searches', 1, 10);
    limit.take('u');
    expect(() => limit.take('u')).toThrow(
      new ChatError('rate-limited', 'at most 1 searches per 10 s; slow down').retryAfter(10_000),
    );
    clock.advance(2_500);
    const later = (() => {
      try {
        limit.take('u');
      } catch (error) {
        return error as ChatError;
      }
    })();
    // 7.5 s to wait, in whole seconds: 8.
    expect(later?.retryAfterSeconds).toBe(8);
    expect(() => limit.take('other')).not.toThrow();
  });
});
