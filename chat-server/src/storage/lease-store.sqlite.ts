import { LeaseStore } from './lease-store.port';
import type { SqliteDatabase } from './database.sqlite';

/** Leases in the shared SQLite file: one row per lease, taken by an upsert that only wins when free, ours or expired. */
export class SqliteLeaseStore extends LeaseStore {
  private closed = false;

  constructor(private readonly db: SqliteDatabase) {
    super();
    db.retain();
  }

  async tryAcquire(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
    const at = now.getTime();
    const { changes } = this.db.run(
      `INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.owner = excluded.owner OR leases.expires_at <= ?`,
      name,
      owner,
      at + ttlMs,
      at,
    );
    return changes > 0;
  }

  async release(name: string, owner: string): Promise<void> {
    this.db.run('DELETE FROM leases WHERE name = ? AND owner = ?', name, owner);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.release();
  }
}
