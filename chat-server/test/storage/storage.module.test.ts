import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadSettings } from '@playlist-chat/platform';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aMessage } from './message-store.contract';
import { MessageStore } from '../../src/message-store/message-store.port';
import { aRoom } from './room-store.contract';
import { RoomStore } from '../../src/room-store/room-store.port';
import { MessageStoreModule } from '../../src/message-store/message-store.module';
import { RoomStoreModule } from '../../src/room-store/room-store.module';
import { StorageModule } from '../../src/storage/storage.module';
import { storageSettings } from '../../src/config/storage.settings';
import { openStoreConnection, type SqliteStoreConnection } from '../../src/storage/store-connection';
import { openRoomStore } from '../../src/room-store/open-room-store';

@Injectable()
class UsesStores {
  constructor(
    readonly rooms: RoomStore,
    readonly messages: MessageStore,
  ) {}
}

function appModule(dataDir: string) {
  @Module({
    imports: [
      StorageModule.forRoot({ store: 'sqlite', dataDir, mongoUrl: '' }),
      RoomStoreModule,
      MessageStoreModule,
    ],
    providers: [UsesStores],
  })
  class AppModule {}
  return AppModule;
}

describe('StorageModule and the store modules', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chat-module-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('injects working stores, closes them on shutdown, and finds the data again after a restart', async () => {
    const app = await NestFactory.createApplicationContext(appModule(dataDir), { logger: false });
    const { rooms, messages } = app.get(UsesStores);
    const room = aRoom();
    await rooms.create(room);
    await messages.append(aMessage(room.id, 1, { content: 'still here' }));
    await app.close();
    await expect(rooms.get(room.id)).rejects.toThrow();

    const restarted = await NestFactory.createApplicationContext(appModule(dataDir), { logger: false });
    try {
      const again = restarted.get(UsesStores);
      expect(await again.rooms.get(room.id)).toEqual(room);
      expect((await again.messages.latest(room.id))?.content).toBe('still here');
    } finally {
      await restarted.close();
    }
  });
});

describe('storage settings', () => {
  it('default to SQLite under ./data', () => {
    expect(loadSettings(storageSettings, {})).toEqual({
      store: 'sqlite',
      dataDir: './data',
      sqliteCacheMb: 64,
      sqliteCheckpointMs: 1_000,
      sqlitePlaylistCacheMb: 64,
      mongoUrl: '',
    });
  });

  /** The SQLite connection these settings open, in a folder of its own, handed to `check`; then closed and removed. */
  const onSqliteConnection = async (
    env: Record<string, string>,
    check: (connection: SqliteStoreConnection) => void | Promise<void>,
  ) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chat-storage-'));
    try {
      const connection = await openStoreConnection({ ...loadSettings(storageSettings, env), dataDir });
      if (connection.engine !== 'sqlite') throw new Error('expected SQLite');
      try {
        await check(connection);
      } finally {
        connection.db.close();
        await connection.db.closed(); // its checkpoint thread lets go of the files before they are removed
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  };

  it('give the SQLite connection the page cache CHAT_SQLITE_CACHE_MB names, and refuse a size out of range', async () => {
    for (const [env, kib] of [
      [{}, -65_536],
      [{ CHAT_SQLITE_CACHE_MB: '8' }, -8_192],
    ] as const)
      await onSqliteConnection(env, ({ db }) =>
        expect(db.get<{ cache_size: number }>('PRAGMA cache_size')?.cache_size).toBe(kib),
      );
    expect(() => loadSettings(storageSettings, { CHAT_SQLITE_CACHE_MB: '0' })).toThrow(
      /CHAT_SQLITE_CACHE_MB/,
    );
  });

  it('checkpoint on a thread of their own every CHAT_SQLITE_CHECKPOINT_MS, or inline with 0, and refuse a value out of range', async () => {
    for (const [env, threaded, inlineAfterPages] of [
      [{}, true, 10_000],
      [{ CHAT_SQLITE_CHECKPOINT_MS: '0' }, false, 1_000],
    ] as const)
      await onSqliteConnection(env, ({ db }) => {
        expect(db.checkpointer !== undefined).toBe(threaded);
        expect(db.get<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint')).toEqual({
          wal_autocheckpoint: inlineAfterPages,
        });
      });
    expect(() => loadSettings(storageSettings, { CHAT_SQLITE_CHECKPOINT_MS: '-1' })).toThrow(
      /CHAT_SQLITE_CHECKPOINT_MS/,
    );
  });

  it('give the room store the playlist cache CHAT_SQLITE_PLAYLIST_CACHE_MB names (0: each read parses the stored playlist)', async () => {
    for (const [env, rewriteSeen] of [
      [{}, false],
      [{ CHAT_SQLITE_PLAYLIST_CACHE_MB: '0' }, true],
    ] as const)
      await onSqliteConnection(env, async (connection) => {
        const rooms = await openRoomStore(connection);
        const room = aRoom();
        await rooms.create(room);
        await rooms.get(room.id);
        connection.db.run(
          `UPDATE rooms SET playlist = json_set(playlist, '$.name', 'rewritten') WHERE id = ?`,
          room.id,
        );
        expect((await rooms.get(room.id))?.playlist.name === 'rewritten').toBe(rewriteSeen);
        await rooms.close();
      });
    expect(() => loadSettings(storageSettings, { CHAT_SQLITE_PLAYLIST_CACHE_MB: '-1' })).toThrow(
      /CHAT_SQLITE_PLAYLIST_CACHE_MB/,
    );
  });

  it('read MongoDB settings', () => {
    expect(
      loadSettings(storageSettings, {
        CHAT_STORE: 'mongo',
        MONGO_URL: 'mongodb://a:27017,b:27017/chat?replicaSet=rs0',
      }),
    ).toEqual({
      store: 'mongo',
      dataDir: './data',
      sqliteCacheMb: 64,
      sqliteCheckpointMs: 1_000,
      sqlitePlaylistCacheMb: 64,
      mongoUrl: 'mongodb://a:27017,b:27017/chat?replicaSet=rs0',
    });
  });

  it('default to MongoDB in a cluster, and refuse a SQLite file there (each replica would have its own)', () => {
    expect(
      loadSettings(storageSettings, { DEPLOYMENT_MODE: 'cluster', MONGO_URL: 'mongodb://m:27017/chat' })
        .store,
    ).toBe('mongo');
    expect(() => loadSettings(storageSettings, { DEPLOYMENT_MODE: 'cluster', CHAT_STORE: 'sqlite' })).toThrow(
      /CHAT_STORE must not be sqlite when DEPLOYMENT_MODE=cluster/,
    );
  });

  it.each([
    [{ CHAT_STORE: 'mongo' }, /MONGO_URL is required when CHAT_STORE=mongo/],
    [{ CHAT_STORE: 'postgres' }, /CHAT_STORE must be one of sqlite, mongo/],
    [
      { CHAT_STORE: 'mongo', MONGO_URL: 'http://mongo:27017' },
      /MONGO_URL must be a mongodb:\/\/ or mongodb\+srv:\/\/ connection string/,
    ],
  ])('refuse %o naming the variable', (env, message) => {
    expect(() => loadSettings(storageSettings, env)).toThrow(ConfigError);
    expect(() => loadSettings(storageSettings, env)).toThrow(message);
  });
});
