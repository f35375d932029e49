import { externalService } from '@playlist-chat/platform/testing';
import { describe } from 'vitest';
import { roomStoreContract } from '../../src/rooms/room-store.contract';
import { MongoRoomStore } from '../../src/rooms/room-store.mongo';
import { mongoFixture } from './mongo-fixture';

const url = externalService('MONGO_URL', 'RoomStore contract: mongo');

describe.skipIf(!url)('MongoDB room store', () => {
  roomStoreContract(
    'mongo',
    mongoFixture(url ?? '', (connection) => MongoRoomStore.open(connection)),
  );
});
