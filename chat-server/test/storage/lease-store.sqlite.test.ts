import { SqliteLeaseStore } from '../../src/storage/lease-store.sqlite';
import { leaseStoreContract } from './lease-store.contract';
import { sqliteFixture } from './sqlite-fixture';

leaseStoreContract(
  'sqlite',
  sqliteFixture((db) => new SqliteLeaseStore(db)),
);
