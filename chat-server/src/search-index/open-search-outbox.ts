import { openOnEngine, type StoreConnection } from '../storage/store-connection';
import { MongoSearchOutbox } from './search-outbox.mongo';
import type { SearchOutbox } from './search-outbox.port';
import { SqliteSearchOutbox } from './search-outbox.sqlite';

export const openSearchOutbox = (connection: StoreConnection): Promise<SearchOutbox> =>
  openOnEngine<SearchOutbox>(connection, {
    sqlite: ({ db }) => new SqliteSearchOutbox(db),
    mongo: (mongo) => MongoSearchOutbox.open(mongo),
  });
