import { Inject, Logger } from '@nestjs/common';
import type { StorageSettings } from '../config/storage.settings';
import { MongoConnection } from './connection.mongo';
import { SqliteDatabase } from './database.sqlite';

export type ChatStorageOptions = Pick<StorageSettings, 'store' | 'dataDir' | 'mongoUrl'> &
  Partial<Pick<StorageSettings, 'sqliteCacheMb' | 'sqliteCheckpointMs' | 'sqlitePlaylistCacheMb'>>;

/**
 * The one connection every chat store of this process shares, to the engine CHAT_STORE names.
 * Stores retain it when they open and release it when they close; the last one closes it.
 */
export type StoreConnection =
  SqliteStoreConnection | { readonly engine: 'mongo'; readonly mongo: MongoConnection };

export interface SqliteStoreConnection {
  readonly engine: 'sqlite';
  readonly db: SqliteDatabase;
  /** CHAT_SQLITE_PLAYLIST_CACHE_MB, for the room store; its default when absent. */
  readonly playlistCacheMb?: number;
}

const checkpointLogger = new Logger('SqliteCheckpoint');

/** Injection token of the shared `StoreConnection`. */
export const STORE_CONNECTION = Symbol('STORE_CONNECTION');
export const InjectStoreConnection = (): ParameterDecorator => Inject(STORE_CONNECTION);

export async function openStoreConnection(options: ChatStorageOptions): Promise<StoreConnection> {
  switch (options.store) {
    case 'sqlite':
      return {
        engine: 'sqlite',
        playlistCacheMb: options.sqlitePlaylistCacheMb,
        db: SqliteDatabase.open(options.dataDir, {
          cacheMb: options.sqliteCacheMb,
          checkpointIntervalMs: options.sqliteCheckpointMs,
          onCheckpointError: (message) => checkpointLogger.warn(`WAL checkpoint failed: ${message}`),
        }),
      };
    case 'mongo':
      if (!options.mongoUrl) throw new Error('CHAT_STORE=mongo needs MONGO_URL');
      return { engine: 'mongo', mongo: await MongoConnection.open(options.mongoUrl) };
  }
}

/** Resolves while the engine can take writes (readiness): the SQLite file answers, MongoDB has a PRIMARY. */
export async function assertStoreWritable(connection: StoreConnection): Promise<void> {
  if (connection.engine === 'sqlite') connection.db.get('SELECT 1 AS one');
  else await connection.mongo.assertWritable();
}

/**
 * One small real write that changes nothing (`StoreSpace` asks it only while writes are failing
 * for lack of disk space): SQLite rewrites its header's user_version with the value it has, a
 * commit like any other; MongoDB upserts one document of `store_write_probe`.
 */
export async function probeStoreWrite(connection: StoreConnection): Promise<void> {
  if (connection.engine === 'sqlite') {
    const version = connection.db.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0;
    connection.db.exec(`PRAGMA user_version = ${Math.trunc(version)}`);
  } else await connection.mongo.probeWrite();
}

/** One adapter per engine: the single way a store port picks its adapter (`open…` beside each port). */
export interface EngineAdapters<T> {
  readonly sqlite: (connection: SqliteStoreConnection) => T | Promise<T>;
  readonly mongo: (mongo: MongoConnection) => T | Promise<T>;
}

export async function openOnEngine<T>(connection: StoreConnection, adapters: EngineAdapters<T>): Promise<T> {
  return connection.engine === 'sqlite' ? adapters.sqlite(connection) : adapters.mongo(connection.mongo);
}
