import type { SqliteDatabase } from '../storage/database.sqlite';
import { SearchOutbox, type PendingIndexRequest } from './search-outbox.port';

interface OutboxRow {
  room_id: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

/** SearchOutbox on SQLite: the `search_outbox` table, one row per room, written by `SqliteRoomStore.create`. */
export class SqliteSearchOutbox extends SearchOutbox {
  private closed = false;

  constructor(private readonly db: SqliteDatabase) {
    super();
    db.retain();
  }

  async due(now: Date, limit: number): Promise<PendingIndexRequest[]> {
    // SQLite reads a negative LIMIT as "no limit".
    if (limit <= 0) return [];
    return this.db
      .all<OutboxRow>(
        `SELECT room_id, attempts, next_attempt_at, last_error FROM search_outbox
         WHERE next_attempt_at <= ? ORDER BY next_attempt_at, room_id LIMIT +?`,
        now.getTime(),
        limit,
      )
      .map((row) => ({
        roomId: row.room_id,
        attempts: row.attempts,
        nextAttemptAt: new Date(row.next_attempt_at),
        lastError: row.last_error,
      }));
  }

  async complete(roomId: string): Promise<void> {
    this.db.run('DELETE FROM search_outbox WHERE room_id = ?', roomId);
  }

  async retry(roomId: string, nextAttemptAt: Date, error: string): Promise<void> {
    this.db.run(
      'UPDATE search_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE room_id = ?',
      nextAttemptAt.getTime(),
      error,
      roomId,
    );
  }

  async pendingCount(): Promise<number> {
    return this.db.get<{ n: number }>('SELECT count(*) AS n FROM search_outbox')?.n ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.release();
  }
}
