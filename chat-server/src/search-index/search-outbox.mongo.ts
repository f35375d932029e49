import type { Model } from 'mongoose';
import { roomModels, type RoomDocument } from '../room-store/room-store.schema.mongo';
import type { MongoConnection } from '../storage/connection.mongo';
import { SearchOutbox, type PendingIndexRequest } from './search-outbox.port';

/**
 * SearchOutbox on MongoDB: the request is the `searchIndex` field of the room's document,
 * written by `MongoRoomStore.create` in the same insert as the room.
 */
export class MongoSearchOutbox extends SearchOutbox {
  private closed = false;

  private constructor(
    private readonly connection: MongoConnection,
    private readonly rooms: Model<RoomDocument>,
  ) {
    super();
    connection.retain();
  }

  static async open(connection: MongoConnection): Promise<MongoSearchOutbox> {
    const { rooms } = roomModels(connection.connection);
    await rooms.createIndexes();
    return new MongoSearchOutbox(connection, rooms);
  }

  async due(now: Date, limit: number): Promise<PendingIndexRequest[]> {
    if (limit <= 0) return [];
    const docs = await this.rooms
      .find({ 'searchIndex.pending': true, 'searchIndex.nextAttemptAt': { $lte: now } }, { searchIndex: 1 })
      .sort({ 'searchIndex.nextAttemptAt': 1, _id: 1 })
      .limit(limit)
      .lean<Pick<RoomDocument, '_id' | 'searchIndex'>[]>();
    return docs.map((doc) => ({
      roomId: doc._id,
      attempts: doc.searchIndex.attempts,
      nextAttemptAt: new Date(doc.searchIndex.nextAttemptAt),
      lastError: doc.searchIndex.lastError ?? null,
    }));
  }

  async complete(roomId: string): Promise<void> {
    await this.rooms.updateOne({ _id: roomId }, { $set: { 'searchIndex.pending': false } });
  }

  async retry(roomId: string, nextAttemptAt: Date, error: string): Promise<void> {
    await this.rooms.updateOne(
      { _id: roomId, 'searchIndex.pending': true },
      {
        $inc: { 'searchIndex.attempts': 1 },
        $set: { 'searchIndex.nextAttemptAt': nextAttemptAt, 'searchIndex.lastError': error },
      },
    );
  }

  async pendingCount(): Promise<number> {
    return this.rooms.countDocuments({ 'searchIndex.pending': true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.release();
  }
}
