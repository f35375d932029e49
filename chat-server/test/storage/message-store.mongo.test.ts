import { externalService } from '@playlist-chat/platform/testing';
import { describe } from 'vitest';
import { messageStoreContract } from './message-store.contract';
import { MongoMessageStore } from '../../src/message-store/message-store.mongo';
import { mongoFixture } from './mongo-fixture';

const url = externalService('MONGO_URL', 'MessageStore contract: mongo');

describe.skipIf(!url)('MongoDB message store', () => {
  messageStoreContract(
    'mongo',
    mongoFixture(url ?? '', (connection) => MongoMessageStore.open(connection)),
  );
});
