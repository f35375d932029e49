import { MongoMessageStore } from '../../src/message-store/message-store.mongo';
import { externalService } from '@playlist-chat/platform/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { aRoom, roomStoreContract } from './room-store.contract';
import { MongoRoomStore } from '../../src/room-store/room-store.mongo';
import { MongoSearchOutbox } from '../../src/search-index/search-outbox.mongo';
import { MongoConnection } from '../../src/storage/connection.mongo';
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

  describe('a database from before rooms were one per owner and playlist', () => {
    const fixture = mongoFixture(url ?? '', async (connection) => connection);
    let destroy = async () => {};
    afterEach(() => destroy());

    it("drops the per-playlist unique index at start-up, so a second owner's room for the same playlist id opens", async () => {
      const made = await fixture();
      destroy = () => made.destroy();
      const earlier: MongoConnection = await made.open();
      await earlier.connection
        .collection('rooms')
        .createIndex(
          { 'playlist.id': 1 },
          { unique: true, partialFilterExpression: { live: true }, name: 'one_live_room_per_playlist' },
        );
      const connection = await made.open();
      const store = await MongoRoomStore.open(connection);
      const names = (await connection.connection.collection('rooms').indexes()).map((index) => index.name);
      expect(names).not.toContain('one_live_room_per_playlist');
      expect(names).toContain('one_live_room_per_owner_playlist');
      const first = aRoom();
      await store.create(first);
      expect((await store.create(aRoom({ playlistId: first.playlist.id }))).created).toBe(true);
      await store.close();
      await earlier.close();
    });
  });
});
