import type { Clock } from '@playlist-chat/platform';

/**
 * Token bucket per user: `limit` sends at once, refilled evenly over `windowMs`. Kept in this
 * process: a cluster applies it per instance (a user's sessions usually share one instance).
 */
export class SendRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly refillPerMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
    windowMs: number,
  ) {
    this.refillPerMs = limit / windowMs;
  }

  /** Takes one token; false when the user is over the limit. */
  tryTake(uid: string): boolean {
    const now = this.clock.now().getTime();
    const bucket = this.buckets.get(uid) ?? { tokens: this.limit, at: now };
    bucket.tokens = Math.min(this.limit, bucket.tokens + Math.max(0, now - bucket.at) * this.refillPerMs);
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

  /** A full bucket is the same as no bucket: drop those to bound memory. */
  private forgetFull(now: number): void {
    for (const [uid, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.refillPerMs >= this.limit) this.buckets.delete(uid);
    }
  }
}
