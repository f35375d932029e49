import { SqliteMessageStore } from '../../src/messages/message-store.sqlite';
import { messageStoreContract } from '../../src/messages/message-store.contract';
import { sqliteFixture } from './sqlite-fixture';

messageStoreContract(
  'sqlite',
  sqliteFixture((db) => new SqliteMessageStore(db)),
);
