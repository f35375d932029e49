import { SqliteRoomStore } from '../../src/rooms/room-store.sqlite';
import { roomStoreContract } from '../../src/rooms/room-store.contract';
import { sqliteFixture } from './sqlite-fixture';

roomStoreContract(
  'sqlite',
  sqliteFixture((db) => new SqliteRoomStore(db)),
);
