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
  it('refuses with rate-limited, naming what and the limit', () => {
    const limit = new ActionLimit(new ManualClock('2026-04-01T09:00:00.000Z'), 'searches', 1, 10);
    limit.take('u');
    expect(() => limit.take('u')).toThrow(
      new ChatError('rate-limited', 'at most 1 searches per 10 s; slow down'),
    );
    expect(() => limit.take('other')).not.toThrow();
  });
});
