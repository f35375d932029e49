import { externalService } from '@playlist-chat/platform/testing';
import { describe } from 'vitest';
import { MongoLeaseStore } from '../../src/storage/lease-store.mongo';
import { leaseStoreContract } from './lease-store.contract';
import { mongoFixture } from './mongo-fixture';

const url = externalService('MONGO_URL', 'LeaseStore contract: mongo');

describe.skipIf(!url)('MongoDB lease store', () => {
  leaseStoreContract(
    'mongo',
    mongoFixture(url ?? '', (connection) => MongoLeaseStore.open(connection)),
  );
});
