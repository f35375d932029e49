import type { Clock } from '@playlist-chat/platform';
import { ChatError } from '../errors/chat-error';

/**
 * Token bucket per key (a user; a user and a room): `limit` actions at once, refilled evenly over
 * `windowMs`. Kept in this
 * process: a cluster applies it per instance (a user's sessions usually share one instance).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly refillPerMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
    windowMs: number,
  ) {
    this.refillPerMs = limit / windowMs;
  }

  /** Takes one token; false when `key` is over the limit. */
  tryTake(uid: string): boolean {
    const now = this.clock.now().getTime();
    const bucket = this.buckets.get(uid) ?? { tokens: this.limit, at: now };
    bucket.tokens = Math.min(this.limit, this.tokensAt(bucket, now));
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(uid, bucket);
      return false;
    }
    bucket.tokens -= 1;
    this.buckets.set(uid, bucket);
    if (this.buckets.size > 10_000) this.forgetFull(now);
    return true;
  }

  /** Returns a token taken for an action that turned out to do nothing (never past the limit). */
  giveBack(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.limit, bucket.tokens + 1);
  }

  /** Milliseconds until `key` has a token again (0 when it has one now). */
  msUntilNext(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    const tokens = this.tokensAt(bucket, this.clock.now().getTime());
    return tokens >= 1 ? 0 : (1 - tokens) / this.refillPerMs;
  }

  /** What `bucket` holds at `now`, refilled since it was last used (not capped at the limit). */
  private tokensAt(bucket: { tokens: number; at: number }, now: number): number {
    return bucket.tokens + Math.max(0, now - bucket.at) * this.refillPerMs;
  }

  /** A full bucket is the same as no bucket: drop those to bound memory. */
  private forgetFull(now: number): void {
    for (const [uid, bucket] of this.buckets) {
      if (this.tokensAt(bucket, now) >= this.limit) this.buckets.delete(uid);
    }
  }
}

/** A named per-key limit from two settings (how many per how many seconds), refused with the catalogue's `rate-limited`. */
export class ActionLimit {
  private readonly bucket: RateLimiter;

  constructor(
    clock: Clock,
    /** What is counted, for the refusal: "messages", "searches", … */
    private readonly what: string,
    private readonly limit: number,
    private readonly windowSeconds: number,
  ) {
    this.bucket = new RateLimiter(clock, limit, windowSeconds * 1000);
  }

  /** Throws `rate-limited` (429 / STOMP ERROR), saying when to try again, when `key` is over the limit. */
  take(key: string): void {
    if (!this.tryTake(key)) throw this.refusal(key);
  }

  /** Takes one for `key`; false when it is over the limit (`refusal` says so). */
  tryTake(key: string): boolean {
    return this.bucket.tryTake(key);
  }

  /** The `rate-limited` refusal for `key`, saying when to try again. */
  refusal(key: string): ChatError {
    return new ChatError(
      'rate-limited',
      `at most ${this.limit} ${this.what} per ${this.windowSeconds} s; slow down`,
    ).retryAfter(this.bucket.msUntilNext(key));
  }

  /** Gives back what `take` took, when the action turned out to do nothing (a retry answered with what exists). */
  giveBack(key: string): void {
    this.bucket.giveBack(key);
  }
}
