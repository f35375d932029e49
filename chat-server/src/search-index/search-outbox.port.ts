/** State of the search-index request written with the room (transactional outbox). */
export interface PendingIndexRequest {
  readonly roomId: string;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly lastError: string | null;
}

/**
 * The search-index outbox. `RoomStore.create` writes a room's request in the same atomic step
 * as the room; this port hands the requests out for delivery. Guarantees, for every adapter:
 * - `due` lists requests whose next attempt is at or before `now`, oldest first, at most `limit`;
 * - `retry` counts the attempt, records the error and hides the request until `nextAttemptAt`;
 * - `complete` removes it for good.
 */
export abstract class SearchOutbox {
  abstract due(now: Date, limit: number): Promise<PendingIndexRequest[]>;

  abstract complete(roomId: string): Promise<void>;

  abstract retry(roomId: string, nextAttemptAt: Date, error: string): Promise<void>;

  /** Requests not delivered yet, due or waiting for a retry (the `search_outbox_pending` gauge). */
  abstract pendingCount(): Promise<number>;

  /** Releases the store's connection. */
  abstract close(): Promise<void>;
}
