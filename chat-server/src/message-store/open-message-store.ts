import { openOnEngine, type StoreConnection } from '../storage/store-connection';
import { MongoMessageStore } from './message-store.mongo';
import type { MessageStore } from './message-store.port';
import { SqliteMessageStore } from './message-store.sqlite';

export const openMessageStore = (connection: StoreConnection): Promise<MessageStore> =>
  openOnEngine<MessageStore>(connection, {
    sqlite: ({ db }) => new SqliteMessageStore(db),
    mongo: (mongo) => MongoMessageStore.open(mongo),
  });
