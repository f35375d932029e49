import { openOnEngine, type StoreConnection } from '../storage/store-connection';
import { MongoRoomStore } from './room-store.mongo';
import type { RoomStore } from './room-store.port';
import { SqliteRoomStore } from './room-store.sqlite';

export const openRoomStore = (connection: StoreConnection): Promise<RoomStore> =>
  openOnEngine<RoomStore>(connection, {
    sqlite: ({ db, playlistCacheMb }) => new SqliteRoomStore(db, { playlistCacheMb }),
    mongo: (mongo) => MongoRoomStore.open(mongo),
  });
