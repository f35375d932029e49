// One host only: messages in the embedded SQLite file (processes on that host may share it); use the MongoDB adapter across hosts.
import { Logger } from '@nestjs/common';
import type { StoredMessageType } from '@playlist-chat/contracts';
import { PeriodicTask } from '@playlist-chat/platform';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { SqliteDatabase } from '../storage/database.sqlite';
import { indexedSearchWords } from '../storage/search-index-words';
import { idAfter } from '../ids/message-id';
import { moveReadPosition } from '../room-store/room-store.sqlite';
import { parseSearchTerms, toFts5Query } from './search-terms';
import type { AppendResult, Page, RoomPosition } from './message-store.port';
import { MessageStore } from './message-store.port';
import type { StoredMessage } from './message.model';

interface MessageRow {
  message_id: string;
  room_id: string;
  client_message_id: string | null;
  type: string;
  sender_uid: string;
  sender_nick_name: string;
  sender_profile_image: string | null;
  content: string;
  created_at: number;
}

const columns =
  'm.message_id, m.room_id, m.client_message_id, m.type, m.sender_uid, m.sender_nick_name, m.sender_profile_image, m.content, m.created_at';

/** Rows deleted per transaction by `purgeOlderThan`, so other callers get the connection in between. */
const purgeBatchSize = 2_000;

/** How often lines appended since the last search are indexed for search without one. */
const indexPendingEveryMs = 500;

/**
 * Index pages FTS5 may rewrite after each indexing batch to merge segments (schema 8): bounded,
 * so a batch never pays for a whole merge at once (64 KiB of 4 KiB pages).
 */
const mergePagesPerBatch = 16;

/** Pending lines read at a time by `indexPending`. */
const indexSliceSize = 1_000;

/**
 * MessageStore on SQLite: a row per message, its order the caller-given `message_id`, and an
 * FTS5 index kept in step by triggers and `indexPending`. `append` commits before it resolves.
 *
 * The FTS index is fed in batches (schema 7): an appended line is noted in
 * `messages_fts_pending`, and `indexPending` indexes what is pending in one transaction, before
 * every search and every `indexPendingEveryMs`, so a search sees every committed line. Any
 * process on the file may index what any other appended: the IMMEDIATE transaction serialises them.
 *
 * The index holds each line's words glued to its room's key (schema 13, `indexedSearchWords`):
 * NFKC-normalised, each CJK character a word of its own (so a search finds a word inside Chinese,
 * Japanese or Korean text), and each word's list of lines that room's alone, so a search reads
 * only its room's matches. The content itself, as shown, is never changed.
 */
export class SqliteMessageStore extends MessageStore {
  private closed = false;
  /** A failed pass is logged; the next tick, or the next search, indexes what it left. */
  private readonly indexer = new PeriodicTask({
    name: 'search index batch',
    intervalMs: indexPendingEveryMs,
    run: async () => this.indexPending(),
    logger: new Logger(SqliteMessageStore.name),
  });

  constructor(private readonly db: SqliteDatabase) {
    super();
    db.retain();
    this.indexer.start();
  }

  async append(message: StoredMessage): Promise<AppendResult> {
    // One IMMEDIATE transaction: every process on this file takes the room's next place in turn,
    // and the line and its sender's read position are one commit (one transaction's locking
    // instead of two, and a crash cannot keep one without the other).
    return this.db.transaction(() => {
      const result = this.insertInOrder(message);
      moveReadPosition(this.db, message.roomId, message.sender.uid, result.message.messageId, true);
      return result;
    });
  }

  /** Takes the room's next place for `message`, or finds the line a resend of it stored. */
  private insertInOrder(message: StoredMessage): AppendResult {
    const earlier =
      message.clientMessageId === null
        ? undefined
        : this.db.get<MessageRow & { room_seq: number }>(
            `SELECT ${columns}, m.room_seq FROM messages m WHERE m.room_id = ? AND m.client_message_id = ?`,
            message.roomId,
            message.clientMessageId,
          );
    if (earlier) return { message: toMessage(earlier), seq: earlier.room_seq, duplicate: true };
    const last = this.db.get<{ last_seq: number; last_message_id: string }>(
      'SELECT last_seq, last_message_id FROM room_sequences WHERE room_id = ?',
      message.roomId,
    );
    const seq = (last?.last_seq ?? 0) + 1;
    const stored = {
      ...copy(message),
      messageId: idAfter(last?.last_message_id ?? null, message.messageId),
    };
    this.db.run(
      `INSERT INTO messages (message_id, room_id, client_message_id, type, sender_uid, sender_nick_name, sender_profile_image, content, created_at, room_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      stored.messageId,
      stored.roomId,
      stored.clientMessageId,
      stored.type,
      stored.sender.uid,
      stored.sender.nickName,
      stored.sender.profileImage,
      stored.content,
      stored.createdAt.getTime(),
      seq,
    );
    this.db.run(
      `INSERT INTO room_sequences (room_id, last_seq, last_message_id) VALUES (?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET last_seq = excluded.last_seq, last_message_id = excluded.last_message_id`,
      stored.roomId,
      seq,
      stored.messageId,
    );
    return { message: stored, seq, duplicate: false };
  }

  async listAfter(roomId: string, afterMessageId: string | null, limit: number): Promise<StoredMessage[]> {
    checkLimit(limit);
    const rows =
      afterMessageId === null
        ? this.db.all<MessageRow>(
            `SELECT ${columns} FROM messages m WHERE m.room_id = +? ORDER BY m.message_id LIMIT +?`,
            roomId,
            limit,
          )
        : this.db.all<MessageRow>(
            `SELECT ${columns} FROM messages m WHERE m.room_id = +? AND m.message_id > ? ORDER BY m.message_id LIMIT +?`,
            roomId,
            afterMessageId,
            limit,
          );
    return rows.map(toMessage);
  }

  async listBefore(
    roomId: string,
    beforeMessageId: string | null,
    limit: number,
  ): Promise<Page<StoredMessage>> {
    checkLimit(limit);
    const rows =
      beforeMessageId === null
        ? this.db.all<MessageRow>(
            `SELECT ${columns} FROM messages m WHERE m.room_id = +? ORDER BY m.message_id DESC LIMIT +?`,
            roomId,
            limit + 1,
          )
        : this.db.all<MessageRow>(
            `SELECT ${columns} FROM messages m WHERE m.room_id = +? AND m.message_id < ? ORDER BY m.message_id DESC LIMIT +?`,
            roomId,
            beforeMessageId,
            limit + 1,
          );
    return toPage(rows, limit);
  }

  async countAfter(
    positions: ReadonlyArray<{ roomId: string; afterMessageId: string | null }>,
  ): Promise<Map<string, number>> {
    // One cached statement per room, in one synchronous pass: 17 µs for 4 rooms where a single
    // statement fed the page as a JSON array (json_each) took 30. With a read position the count
    // seeks to it in (room_id, message_id), so it costs the unread messages, not the room's history.
    // One read transaction: the counts share a snapshot and SQLite's lock is taken once.
    return this.db.read(() => {
      const counts = new Map<string, number>();
      for (const { roomId, afterMessageId } of positions) {
        const row =
          afterMessageId === null
            ? this.db.get<{ unread: number }>(
                'SELECT count(*) AS unread FROM messages m WHERE m.room_id = ?',
                roomId,
              )
            : this.db.get<{ unread: number }>(
                'SELECT count(*) AS unread FROM messages m WHERE m.room_id = ? AND m.message_id > ?',
                roomId,
                afterMessageId,
              );
        counts.set(roomId, row?.unread ?? 0);
      }
      return counts;
    });
  }

  async search(
    roomId: string,
    query: string,
    before: string | null,
    limit: number,
  ): Promise<Page<StoredMessage>> {
    checkLimit(limit);
    // The room is in every word the index is asked for; the room_id test guards against two rooms sharing a key.
    const match = toFts5Query(parseSearchTerms(query), roomId);
    if (match === null) return { items: [], nextCursor: null };
    try {
      this.indexPending();
    } catch {
      // Indexing writes, a search only reads: with the disk full or the file locked by another
      // process, it answers from what is indexed, and the indexer's next pass (which logs) catches up.
    }
    const rows = this.db.all<MessageRow>(
      `SELECT ${columns} FROM messages_fts f JOIN messages m ON m.seq = f.rowid
       WHERE messages_fts MATCH ? AND m.room_id = +? AND (? IS NULL OR m.message_id < ?)
       ORDER BY m.message_id DESC LIMIT +?`,
      match,
      roomId,
      before,
      before,
      limit + 1,
    );
    return toPage(rows, limit);
  }

  async position(roomId: string): Promise<RoomPosition> {
    const row = this.db.get<{ last_seq: number; last_message_id: string }>(
      'SELECT last_seq, last_message_id FROM room_sequences WHERE room_id = ?',
      roomId,
    );
    return row ? { seq: row.last_seq, messageId: row.last_message_id } : { seq: 0, messageId: null };
  }

  async byClientMessageId(roomId: string, clientMessageId: string): Promise<StoredMessage | null> {
    const row = this.db.get<MessageRow>(
      `SELECT ${columns} FROM messages m WHERE m.room_id = ? AND m.client_message_id = ?`,
      roomId,
      clientMessageId,
    );
    return row ? toMessage(row) : null;
  }

  async has(roomId: string, messageId: string): Promise<boolean> {
    return (
      this.db.get<{ found: number }>(
        'SELECT 1 AS found FROM messages WHERE message_id = ? AND room_id = ?',
        messageId,
        roomId,
      ) !== undefined
    );
  }

  async latest(roomId: string): Promise<StoredMessage | null> {
    const row = this.db.get<MessageRow>(
      `SELECT ${columns} FROM messages m WHERE m.room_id = +? ORDER BY m.message_id DESC LIMIT 1`,
      roomId,
    );
    return row ? toMessage(row) : null;
  }

  /**
   * Deletes the oldest lines in the order they were stored, up to the first one created at or
   * after `cutoff`: lines are stored in time order, so that is every line older than the cutoff,
   * without an index on `created_at` for every line to write (schema 11). A line stored after a
   * newer one (a clock set back, or another process's clock behind) goes when the lines stored
   * before it have gone.
   */
  async purgeOlderThan(cutoff: Date): Promise<number> {
    const due = cutoff.getTime();
    let purged = 0;
    for (;;) {
      const oldest = this.db.get<{ created_at: number }>(
        'SELECT created_at FROM messages ORDER BY seq LIMIT 1',
      );
      if (oldest === undefined || oldest.created_at >= due) return purged;
      const { changes, more } = this.db.transaction(() => {
        const batch = this.db.all<{ seq: number; created_at: number }>(
          'SELECT seq, created_at FROM messages ORDER BY seq LIMIT +?',
          purgeBatchSize,
        );
        const kept = batch.findIndex((row) => row.created_at >= due);
        const last = batch[(kept === -1 ? batch.length : kept) - 1];
        if (last === undefined) return { changes: 0, more: false };
        return {
          changes: this.db.run('DELETE FROM messages WHERE seq <= ?', last.seq).changes,
          more: kept === -1 && batch.length === purgeBatchSize,
        };
      });
      purged += changes;
      if (!more) return purged;
      // Let sends and reads in between batches: a big purge must not stall the server.
      await nextTurn();
    }
  }

  /** Indexes every line appended since the last call (by any process on the file), in one transaction. */
  indexPending(): void {
    if (this.db.get<{ one: number }>('SELECT 1 AS one FROM messages_fts_pending LIMIT 1') === undefined)
      return;
    this.db.transaction(() => {
      // In slices, so a large backlog (a start after many lines) is never all in memory at once.
      for (let after = 0; ;) {
        const lines = this.db.all<{ seq: number; room_id: string; content: string }>(
          `SELECT p.seq, m.room_id, m.content FROM messages_fts_pending p JOIN messages m ON m.seq = p.seq
           WHERE p.seq > ? ORDER BY p.seq LIMIT +?`,
          after,
          indexSliceSize,
        );
        for (const line of lines)
          this.db.run(
            'INSERT INTO messages_fts (rowid, words) VALUES (?, ?)',
            line.seq,
            indexedSearchWords(line.room_id, line.content),
          );
        if (lines.length < indexSliceSize) break;
        after = lines[lines.length - 1].seq;
      }
      this.db.run('DELETE FROM messages_fts_pending');
      // A little merging after every batch keeps searches from looking words up in many segments.
      this.db.run(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('merge', ${mergePagesPerBatch})`);
    });
  }

  /** Indexes what is pending, then releases the shared database (the last store to close closes it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.indexer.stop();
    try {
      if (this.db.isOpen) this.indexPending();
    } catch {
      // Still noted as pending in the file: the next start's first search or tick indexes them.
    }
    this.db.release();
  }
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0)
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
}

/** `rows` holds up to `limit + 1` rows, newest first: the extra one only says an older page exists. */
function toPage(rows: MessageRow[], limit: number): Page<StoredMessage> {
  const items = rows.slice(0, limit).map(toMessage);
  return {
    items,
    nextCursor: rows.length > limit && items.length > 0 ? items[items.length - 1].messageId : null,
  };
}

function toMessage(row: MessageRow): StoredMessage {
  return {
    messageId: row.message_id,
    roomId: row.room_id,
    clientMessageId: row.client_message_id,
    type: row.type as StoredMessageType,
    sender: { uid: row.sender_uid, nickName: row.sender_nick_name, profileImage: row.sender_profile_image },
    content: row.content,
    createdAt: new Date(row.created_at),
  };
}

function copy(message: StoredMessage): StoredMessage {
  return { ...message, sender: { ...message.sender }, createdAt: new Date(message.createdAt.getTime()) };
}
