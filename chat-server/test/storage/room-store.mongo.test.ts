import { MongoMessageStore } from '../../src/message-store/message-store.mongo';
import { externalService } from '@playlist-chat/platform/testing';
import { describe } from 'vitest';
import { roomStoreContract } from './room-store.contract';
import { MongoRoomStore } from '../../src/room-store/room-store.mongo';
import { MongoSearchOutbox } from '../../src/search-index/search-outbox.mongo';
import { mongoFixture } from './mongo-fixture';

const url = externalService('MONGO_URL', 'RoomStore contract: mongo');

describe.skipIf(!url)('MongoDB room store', () => {
  roomStoreContract(
    'mongo',
    mongoFixture(url ?? '', async (connection) => ({
      rooms: await MongoRoomStore.open(connection),
      outbox: await MongoSearchOutbox.open(connection),
      messages: await MongoMessageStore.open(connection),
    })),
  );
});
