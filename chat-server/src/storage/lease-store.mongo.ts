import mongoose, { Schema, type Model } from 'mongoose';
import type { MongoConnection } from './connection.mongo';
import { LeaseStore } from './lease-store.port';

interface LeaseDocument {
  _id: string;
  owner: string;
  expiresAt: Date;
}

/**
 * Leases in MongoDB: one document per lease. Taking it is an upsert filtered on "ours or
 * expired"; when another owner holds it the upsert collides on `_id` (E11000) and we lose.
 */
export class MongoLeaseStore extends LeaseStore {
  private closed = false;

  private constructor(
    private readonly connection: MongoConnection,
    private readonly leases: Model<LeaseDocument>,
  ) {
    super();
    connection.retain();
  }

  static async open(connection: MongoConnection): Promise<MongoLeaseStore> {
    const schema = new Schema<LeaseDocument>(
      { _id: { type: String, required: true }, owner: { type: String, required: true }, expiresAt: Date },
      { versionKey: false, collection: 'leases' },
    );
    const leases =
      (connection.connection.models.Lease as Model<LeaseDocument> | undefined) ??
      connection.connection.model<LeaseDocument>('Lease', schema);
    return new MongoLeaseStore(connection, leases);
  }

  async tryAcquire(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
    try {
      await this.leases.updateOne(
        { _id: name, $or: [{ owner }, { expiresAt: { $lte: now } }] },
        { $set: { owner, expiresAt: new Date(now.getTime() + ttlMs) } },
        { upsert: true },
      );
      return true;
    } catch (error) {
      if (error instanceof mongoose.mongo.MongoServerError && error.code === 11000) return false;
      throw error;
    }
  }

  async release(name: string, owner: string): Promise<void> {
    await this.leases.deleteOne({ _id: name, owner });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.release();
  }
}
