import { SqliteMessageStore } from '../../src/message-store/message-store.sqlite';
import { messageStoreContract } from './message-store.contract';
import { sqliteFixture } from './sqlite-fixture';

messageStoreContract(
  'sqlite',
  sqliteFixture((db) => new SqliteMessageStore(db)),
);
