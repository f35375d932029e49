import { TokenBucket } from './token-bucket';

export type RateDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * Per-client token buckets (key: client address). Buckets that have refilled completely carry no
 * information and are dropped by a periodic sweep, so memory follows active clients only.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    if (this.enabled) {
      const sweepEveryMs = Math.max(1_000, Math.ceil((burst / perSecond) * 1000));
      this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
      this.sweeper.unref();
    }
  }

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  take(client: string): RateDecision {
    if (!this.enabled) return { allowed: true };
    const now = this.now();
    let bucket = this.buckets.get(client);
    if (!bucket) {
      bucket = new TokenBucket(this.burst, this.perSecond, now);
      this.buckets.set(client, bucket);
    }
    if (bucket.take(now)) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, bucket.secondsUntilNext(now)) };
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = this.now();
    for (const [client, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(client);
  }
}
