import type { StoredMessage } from './message.model';

export interface AppendResult {
  /** As stored: its `messageId` may be later than the one given (see `append`). */
  readonly message: StoredMessage;
  /** The line's place in its room: 1, 2, 3, … in commit order, never reused (also after retention). */
  readonly seq: number;
  /** True when (roomId, clientMessageId) was stored before: `message` is the earlier one, nothing was written. */
  readonly duplicate: boolean;
}

/** Where a room's order stands: its last line's place and id (0 and null before the first line). */
export interface RoomPosition {
  readonly seq: number;
  readonly messageId: string | null;
}

export interface Page<T> {
  readonly items: T[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  readonly nextCursor: string | null;
}

/**
 * A room's messages. Guarantees, for every adapter:
 * - `append` is durable when it resolves, and idempotent on (roomId, clientMessageId).
 * - `append` also moves the sender's read position forward to the stored line (a resend's: the
 *   earlier line), when the sender is a member of the live room: sending means having read the
 *   room up to one's own line, so it never counts as unread. SQLite writes both in one commit;
 *   MongoDB updates the member after the insert.
 * - The store decides each room's order, atomically with the insert: the line gets the room's
 *   next `seq`, and keeps the caller's (time-ordered) id only if it sorts after the room's last
 *   one; otherwise it gets `idAfter(last, given)`. So a room's ids sort in commit order whatever
 *   the writers' clocks say, and every read (in id order) follows that order.
 * - `search` matches whole words of the text (prefix with `*`), newest first.
 */
export abstract class MessageStore {
  abstract append(message: StoredMessage): Promise<AppendResult>;

  /** Messages after `afterMessageId` (all when null), oldest first, at most `limit`. */
  abstract listAfter(roomId: string, afterMessageId: string | null, limit: number): Promise<StoredMessage[]>;

  /** Messages before `beforeMessageId` (the newest when null), newest first, at most `limit`. */
  abstract listBefore(
    roomId: string,
    beforeMessageId: string | null,
    limit: number,
  ): Promise<Page<StoredMessage>>;

  /** Unread counts: for each room, how many messages come after the given id (all when null). */
  abstract countAfter(
    positions: ReadonlyArray<{ roomId: string; afterMessageId: string | null }>,
  ): Promise<Map<string, number>>;

  abstract search(
    roomId: string,
    query: string,
    before: string | null,
    limit: number,
  ): Promise<Page<StoredMessage>>;

  abstract latest(roomId: string): Promise<StoredMessage | null>;

  /** The line of `roomId` stored under the client's id `clientMessageId`, or null. */
  abstract byClientMessageId(roomId: string, clientMessageId: string): Promise<StoredMessage | null>;

  /** Whether `messageId` is a message of `roomId` (an id from another room, or none, is not). */
  abstract has(roomId: string, messageId: string): Promise<boolean>;

  /** The room's last committed place (kept when retention deletes the lines themselves). */
  abstract position(roomId: string): Promise<RoomPosition>;

  /** Deletes messages created before `cutoff`; returns how many. */
  abstract purgeOlderThan(cutoff: Date): Promise<number>;

  abstract close(): Promise<void>;
}
