/**
 * Which instance does a piece of singleton work now (search outbox, housekeeping). Guarantees,
 * for every adapter:
 * - at most one owner holds a lease at a time; the holder renews it by acquiring it again;
 * - a lease not renewed within its `ttlMs` may be taken by another owner (the holder died);
 * - `release` frees it at once, and only for its owner.
 * The store is shared by every instance, so the lease holds across processes.
 */
export abstract class LeaseStore {
  /** Takes or renews `name` for `owner` until `now + ttlMs`; false while another owner holds it. */
  abstract tryAcquire(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean>;

  abstract release(name: string, owner: string): Promise<void>;

  abstract close(): Promise<void>;
}
