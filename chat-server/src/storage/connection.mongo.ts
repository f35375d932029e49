import mongoose, { type Connection } from 'mongoose';

export interface MongoConnectionOptions {
  /** Database to use instead of the one named in the URL (tests use a fresh one each). */
  readonly dbName?: string;
  /** How long to wait for a reachable server before a call fails. */
  readonly serverSelectionTimeoutMs?: number;
}

/**
 * The chat server's one MongoDB connection, shared by the room and message stores.
 *
 * Writes use `w: 'majority', journal: true`: a store call that resolves has reached the
 * journal of a majority of the replica set, which is what "durable" means in the ports.
 * Indexes are created explicitly by each store when it opens (`autoIndex` off), so a store
 * is usable only once its uniqueness guarantees are in place.
 *
 * Holders: each store calls `retain()` when it starts using the connection and `release()`
 * when it closes; the connection closes when the last holder lets go.
 */
export class MongoConnection {
  private holders = 0;
  private closing: Promise<void> | null = null;

  private constructor(readonly connection: Connection) {}

  static async open(url: string, options: MongoConnectionOptions = {}): Promise<MongoConnection> {
    const connection = mongoose.createConnection(url, {
      dbName: options.dbName,
      autoIndex: false,
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 10_000,
      writeConcern: { w: 'majority', journal: true },
    });
    await connection.asPromise();
    return new MongoConnection(connection);
  }

  /**
   * Resolves while a PRIMARY is known: without one, writes (majority, journaled) cannot be
   * acknowledged, so the instance is not ready even though it is connected to a secondary.
   * Asked with `primaryPreferred`, so a missing primary is an answer, not a selection timeout.
   */
  async assertWritable(): Promise<void> {
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB connection is not open');
    const hello = (await db.admin().command({ hello: 1 }, { readPreference: 'primaryPreferred' })) as {
      isWritablePrimary?: boolean;
      primary?: string;
      setName?: string;
    };
    if (hello.isWritablePrimary || hello.primary) return;
    throw new Error(
      `MongoDB${hello.setName ? ` replica set ${hello.setName}` : ''} has no PRIMARY: writes cannot be acknowledged`,
    );
  }

  /** One small acknowledged write (`probeStoreWrite`): an upsert of the one document of `store_write_probe`. */
  async probeWrite(): Promise<void> {
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB connection is not open');
    await db
      .collection<{ _id: string; at: Date }>('store_write_probe')
      .updateOne({ _id: 'probe' }, { $set: { at: new Date() } }, { upsert: true });
  }

  /** A store starts using this connection. */
  retain(): this {
    if (this.closing) throw new Error('MongoDB connection is closed');
    this.holders += 1;
    return this;
  }

  /** A store is done with this connection; the last one to let go closes it. */
  async release(): Promise<void> {
    if (this.holders === 0) return;
    this.holders -= 1;
    if (this.holders === 0) await this.close();
  }

  /** Closes the connection now, whoever still holds it (idempotent). */
  close(): Promise<void> {
    this.closing ??= this.connection.close();
    return this.closing;
  }
}
