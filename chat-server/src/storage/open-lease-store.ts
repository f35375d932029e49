import { MongoLeaseStore } from './lease-store.mongo';
import type { LeaseStore } from './lease-store.port';
import { SqliteLeaseStore } from './lease-store.sqlite';
import { openOnEngine, type StoreConnection } from './store-connection';

export const openLeaseStore = (connection: StoreConnection): Promise<LeaseStore> =>
  openOnEngine<LeaseStore>(connection, {
    sqlite: ({ db }) => new SqliteLeaseStore(db),
    mongo: (mongo) => MongoLeaseStore.open(mongo),
  });
