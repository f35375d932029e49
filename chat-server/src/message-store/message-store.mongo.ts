import mongoose, { type Model } from 'mongoose';
import { hasCjk, searchBoundary, searchTokens } from '@playlist-chat/platform';
import type { MongoConnection } from '../storage/connection.mongo';
import { parseSearchTerms } from './search-terms';
import type { AppendResult, Page, RoomPosition } from './message-store.port';
import { MessageStore } from './message-store.port';
import type { StoredMessage } from './message.model';
import { idAfter } from '../ids/message-id';
import { readPositionForward, roomModels, type RoomDocument } from '../room-store/room-store.schema.mongo';
import {
  messageModel,
  roomSequenceModel,
  type MessageDocument,
  type RoomSequenceDocument,
} from './message-store.schema.mongo';

/** Lost races for a room's next place one append may take before giving up (each lost one is another line stored). */
const maxAppendRounds = 50;

/**
 * MessageStore on MongoDB (mongoose): one document per message, `_id` the caller's
 * time-ordered id, idempotent on the partial unique index (roomId, clientMessageId).
 * `append` resolves once the insert is journaled on a majority (the connection's write concern).
 *
 * Keyword search does not use a MongoDB text index: `$text` has no prefix matching, and its
 * stemming, stop words and `-negation`/`"phrase"` syntax would give other answers than the
 * SQLite adapter. Each message instead stores its normalised words (`searchWords`, the same
 * rules as SQLite's unicode61 tokenizer) under a multikey index: a word matches by equality,
 * a prefix by an anchored regular expression, both served by the (roomId, words) index.
 *
 * The words are taken from the content NFKC-normalised, and each CJK character is a word of its
 * own; a line with CJK also keeps its tokens in order in `searchText` (`searchTokens`: the tokens
 * SQLite's index holds, joined by spaces). A query word with CJK needs its characters in `words`
 * (the index) and its tokens side by side in `searchText` (a regular expression on the documents
 * the index found), as SQLite's phrase does. `open` brings the words of documents stored before
 * this up to date, once per database.
 */
export class MongoMessageStore extends MessageStore {
  private closed = false;

  private constructor(
    private readonly connection: MongoConnection,
    private readonly messages: Model<MessageDocument>,
    private readonly sequences: Model<RoomSequenceDocument>,
    private readonly rooms: Model<RoomDocument>,
  ) {
    super();
    connection.retain();
  }

  /** Builds the indexes if needed (the uniqueness guarantee holds from the first call), then returns a store on `connection`. */
  static async open(connection: MongoConnection): Promise<MongoMessageStore> {
    const messages = messageModel(connection.connection);
    const sequences = roomSequenceModel(connection.connection);
    await Promise.all([messages.createIndexes(), sequences.createIndexes()]);
    await updateSearchFields(connection, messages);
    // The sender's read position lives in the room's document (RoomStore's collection, whose
    // indexes MongoRoomStore.open builds); append only updates it.
    return new MongoMessageStore(connection, messages, sequences, roomModels(connection.connection).rooms);
  }

  /**
   * The line, then, side by side, the room's sequence floor and its sender's read position (the
   * member is in the room's document, another collection). Both are forward-only, so a write
   * left undone by a failure in between is made good by the room's next line, or the sender's
   * next line or READ. Side by side, a line still waits for two round trips, as it did when the
   * services marked the sender's position after the append.
   */
  async append(message: StoredMessage): Promise<AppendResult> {
    const result = await this.insertInOrder(message);
    const stored = result.message;
    // Shown: a member who appears offline cannot send.
    const { filter, update } = readPositionForward(stored.roomId, stored.sender.uid, stored.messageId, true);
    // exec(): a mongoose query runs when first awaited; these are to run side by side.
    const senderRead = this.rooms.updateOne(filter, update).exec();
    if (result.duplicate) {
      await senderRead;
      return result;
    }
    // Only a floor for after retention: the unique index, not this, keeps places apart.
    const floor = this.sequences
      .updateOne(
        { _id: stored.roomId },
        { $max: { seq: result.seq, lastMessageId: stored.messageId } },
        { upsert: true },
      )
      .exec();
    await Promise.all([floor, senderRead]);
    return result;
  }

  /**
   * The room's next place is taken by inserting it: the unique (roomId, seq) index lets one of
   * two writers that read the same last line win, and the other reads again and takes the next
   * place, so a place becomes visible only after every earlier one (written, not run here).
   */
  private async insertInOrder(message: StoredMessage): Promise<AppendResult> {
    for (let round = 0; round < maxAppendRounds; round += 1) {
      if (message.clientMessageId !== null) {
        const earlier = await this.messages
          .findOne({ roomId: message.roomId, clientMessageId: message.clientMessageId })
          .lean<MessageDocument>();
        if (earlier) return { message: toMessage(earlier), seq: earlier.seq ?? 0, duplicate: true };
      }
      const last = await this.position(message.roomId);
      const seq = last.seq + 1;
      const stored: StoredMessage = {
        ...message,
        sender: { ...message.sender },
        messageId: idAfter(last.messageId, message.messageId),
      };
      try {
        await this.messages.create({
          _id: stored.messageId,
          roomId: stored.roomId,
          ...(stored.clientMessageId === null ? {} : { clientMessageId: stored.clientMessageId }),
          type: stored.type,
          sender: {
            uid: stored.sender.uid,
            nickName: stored.sender.nickName,
            profileImage: stored.sender.profileImage,
          },
          content: stored.content,
          createdAt: stored.createdAt,
          ...searchFields(stored.content),
          seq,
        });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        continue; // the place was taken, or the client id by a resend: look again
      }
      return { message: stored, seq, duplicate: false };
    }
    throw new Error(`Appending to room ${message.roomId} lost ${maxAppendRounds} races for its next place`);
  }

  async listAfter(roomId: string, afterMessageId: string | null, limit: number): Promise<StoredMessage[]> {
    checkLimit(limit);
    if (limit === 0) return [];
    const docs = await this.messages
      .find(afterMessageId === null ? { roomId } : { roomId, _id: { $gt: afterMessageId } })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<MessageDocument[]>();
    return docs.map(toMessage);
  }

  async listBefore(
    roomId: string,
    beforeMessageId: string | null,
    limit: number,
  ): Promise<Page<StoredMessage>> {
    checkLimit(limit);
    return this.page(
      { roomId, ...(beforeMessageId === null ? {} : { _id: { $lt: beforeMessageId } }) },
      limit,
    );
  }

  async countAfter(
    positions: ReadonlyArray<{ roomId: string; afterMessageId: string | null }>,
  ): Promise<Map<string, number>> {
    if (positions.length === 0) return new Map();
    const counts = new Map(positions.map((position) => [position.roomId, 0]));
    // One aggregation for every room: match each room past its own position, then count per room.
    const rows = await this.messages.aggregate<{ _id: string; count: number }>([
      {
        $match: {
          $or: positions.map(({ roomId, afterMessageId }) =>
            afterMessageId === null ? { roomId } : { roomId, _id: { $gt: afterMessageId } },
          ),
        },
      },
      { $group: { _id: '$roomId', count: { $sum: 1 } } },
    ]);
    for (const row of rows) counts.set(row._id, row.count);
    return counts;
  }

  async search(
    roomId: string,
    query: string,
    before: string | null,
    limit: number,
  ): Promise<Page<StoredMessage>> {
    checkLimit(limit);
    const exact: string[] = [];
    const prefixes: string[] = [];
    const phrases: string[] = [];
    for (const term of parseSearchTerms(query)) {
      const tokens = searchTokens(term.text);
      if (hasCjk(term.text))
        // Side by side from a token's start, up to a token's end unless a prefix: SQLite's phrase.
        phrases.push(`(?:^| )${escapeRegExp(tokens.join(' '))}${term.prefix ? '' : '(?: |$)'}`);
      const words = tokens.filter((token) => token !== searchBoundary);
      const last = term.prefix ? words.pop() : undefined;
      exact.push(...words);
      if (last !== undefined) prefixes.push(last);
    }
    if (exact.length === 0 && prefixes.length === 0) return { items: [], nextCursor: null };
    const conditions: Record<string, unknown>[] = [
      ...(exact.length > 0 ? [{ words: { $all: [...new Set(exact)] } }] : []),
      ...prefixes.map((prefix) => ({ words: { $regex: `^${escapeRegExp(prefix)}` } })),
      ...phrases.map((phrase) => ({ searchText: { $regex: phrase } })),
    ];
    return this.page(
      { roomId, ...(before === null ? {} : { _id: { $lt: before } }), $and: conditions },
      limit,
    );
  }

  async latest(roomId: string): Promise<StoredMessage | null> {
    const doc = await this.messages.findOne({ roomId }).sort({ _id: -1 }).lean<MessageDocument>();
    return doc ? toMessage(doc) : null;
  }

  /** The last line's place, or the floor retention left when it deleted the room's lines. */
  async position(roomId: string): Promise<RoomPosition> {
    const [last, floor] = await Promise.all([
      this.messages.findOne({ roomId }, { _id: 1, seq: 1 }).sort({ _id: -1 }).lean<MessageDocument>(),
      this.sequences.findOne({ _id: roomId }).lean<RoomSequenceDocument>(),
    ]);
    const messageId =
      [last?._id, floor?.lastMessageId]
        .filter((id) => id !== undefined)
        .sort()
        .at(-1) ?? null;
    return { seq: Math.max(last?.seq ?? 0, floor?.seq ?? 0), messageId };
  }

  async byClientMessageId(roomId: string, clientMessageId: string): Promise<StoredMessage | null> {
    const doc = await this.messages.findOne({ roomId, clientMessageId }).lean<MessageDocument>();
    return doc ? toMessage(doc) : null;
  }

  async has(roomId: string, messageId: string): Promise<boolean> {
    return (await this.messages.exists({ _id: messageId, roomId })) !== null;
  }

  async purgeOlderThan(cutoff: Date): Promise<number> {
    const result = await this.messages.deleteMany({ createdAt: { $lt: cutoff } });
    return result.deletedCount;
  }

  /** Releases the shared connection (the last store to close closes it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.release();
  }

  /** Newest first; one extra document only says an older page exists. */
  private async page(filter: Record<string, unknown>, limit: number): Promise<Page<StoredMessage>> {
    if (limit === 0) return { items: [], nextCursor: null };
    const docs = await this.messages
      .find(filter)
      .sort({ _id: -1 })
      .limit(limit + 1)
      .lean<MessageDocument[]>();
    const items = docs.slice(0, limit).map(toMessage);
    return { items, nextCursor: docs.length > limit ? items[items.length - 1].messageId : null };
  }
}

/** `words` and, for a line with CJK, `searchText`, as search reads them (see the class). */
function searchFields(content: string): Pick<MessageDocument, 'words' | 'searchText'> {
  const tokens = searchTokens(content);
  const words = [...new Set(tokens.filter((token) => token !== searchBoundary))];
  return hasCjk(content) ? { words, searchText: tokens.join(' ') } : { words };
}

/** Marks in `store_migrations` that `updateSearchFields` has run on this database. */
const searchFieldsMigration = 'message-search-fields-2';

/**
 * Documents stored before CJK characters were words of their own and before NFKC have other
 * words (a CJK run as one word, NFD Hangul as jamo): recomputes `words`/`searchText` of every
 * line whose content is not plain ASCII (an ASCII line's words have not changed), in batches,
 * then notes it is done so later starts skip the scan. Safe to run twice or side by side: each
 * update writes what the content gives.
 */
async function updateSearchFields(
  connection: MongoConnection,
  messages: Model<MessageDocument>,
): Promise<void> {
  const done = connection.connection.collection<{ _id: string; at: Date }>('store_migrations');
  if ((await done.findOne({ _id: searchFieldsMigration })) !== null) return;
  let batch: Parameters<Model<MessageDocument>['bulkWrite']>[0] = [];
  const cursor = messages
    .find({ content: { $regex: '[^\\x00-\\x7f]' } }, { content: 1, words: 1, searchText: 1 })
    .lean<MessageDocument[]>()
    .cursor();
  for await (const doc of cursor as AsyncIterable<MessageDocument>) {
    const fields = searchFields(doc.content);
    if (
      fields.searchText === doc.searchText &&
      fields.words.length === doc.words.length &&
      fields.words.every((word, index) => word === doc.words[index])
    )
      continue;
    batch.push({
      updateOne: {
        filter: { _id: doc._id },
        update:
          fields.searchText === undefined
            ? { $set: { words: fields.words }, $unset: { searchText: 1 } }
            : { $set: fields },
      },
    });
    if (batch.length === 500) {
      await messages.bulkWrite(batch, { ordered: false });
      batch = [];
    }
  }
  if (batch.length > 0) await messages.bulkWrite(batch, { ordered: false });
  await done.updateOne({ _id: searchFieldsMigration }, { $set: { at: new Date() } }, { upsert: true });
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0)
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function isDuplicateKey(error: unknown): boolean {
  return error instanceof mongoose.mongo.MongoServerError && error.code === 11000;
}

function toMessage(doc: MessageDocument): StoredMessage {
  return {
    messageId: doc._id,
    roomId: doc.roomId,
    clientMessageId: doc.clientMessageId ?? null,
    type: doc.type,
    sender: {
      uid: doc.sender.uid,
      nickName: doc.sender.nickName,
      profileImage: doc.sender.profileImage ?? null,
    },
    content: doc.content,
    createdAt: new Date(doc.createdAt),
  };
}
