import type { StoredMessage } from './message.model';

export interface AppendResult {
  readonly message: StoredMessage;
  /** True when (roomId, clientMessageId) was stored before: `message` is the earlier one, nothing was written. */
  readonly duplicate: boolean;
}

export interface Page<T> {
  readonly items: T[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  readonly nextCursor: string | null;
}

/**
 * A room's messages. Guarantees, for every adapter:
 * - `append` is durable when it resolves, and idempotent on (roomId, clientMessageId).
 * - Ids are given by the caller (time-ordered); reads return them in id order.
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

  /** Whether `messageId` is a message of `roomId` (an id from another room, or none, is not). */
  abstract has(roomId: string, messageId: string): Promise<boolean>;

  /** Deletes messages created before `cutoff`; returns how many. */
  abstract purgeOlderThan(cutoff: Date): Promise<number>;

  abstract close(): Promise<void>;
}
