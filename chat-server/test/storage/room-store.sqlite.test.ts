import { SqliteMessageStore } from '../../src/message-store/message-store.sqlite';
import { SqliteRoomStore } from '../../src/room-store/room-store.sqlite';
import { SqliteSearchOutbox } from '../../src/search-index/search-outbox.sqlite';
import { roomStoreContract } from './room-store.contract';
import { sqliteFixture } from './sqlite-fixture';

roomStoreContract(
  'sqlite',
  sqliteFixture((db) => ({
    rooms: new SqliteRoomStore(db),
    outbox: new SqliteSearchOutbox(db),
    messages: new SqliteMessageStore(db),
  })),
);
