import { MongoMessageStore } from '../messages/message-store.mongo';
import type { MessageStore } from '../messages/message-store.port';
import { SqliteMessageStore } from '../messages/message-store.sqlite';
import { MongoRoomStore } from '../rooms/room-store.mongo';
import type { RoomStore } from '../rooms/room-store.port';
import { SqliteRoomStore } from '../rooms/room-store.sqlite';
import { MongoConnection } from './connection.mongo';
import { SqliteDatabase } from './database.sqlite';
import { MongoLeaseStore } from './lease-store.mongo';
import type { LeaseStore } from './lease-store.port';
import { SqliteLeaseStore } from './lease-store.sqlite';
import type { StorageSettings } from './storage.settings';

export type ChatStorageOptions = Pick<StorageSettings, 'store' | 'dataDir' | 'mongoUrl'>;

export interface ChatStores {
  readonly rooms: RoomStore;
  readonly messages: MessageStore;
  readonly leases: LeaseStore;
}

/**
 * Opens the room and message stores of the configured engine on one shared connection
 * (closing both stores closes it).
 */
export async function openChatStores(options: ChatStorageOptions): Promise<ChatStores> {
  switch (options.store) {
    case 'sqlite': {
      const db = SqliteDatabase.open(options.dataDir);
      return {
        rooms: new SqliteRoomStore(db),
        messages: new SqliteMessageStore(db),
        leases: new SqliteLeaseStore(db),
      };
    }
    case 'mongo': {
      if (!options.mongoUrl) throw new Error('CHAT_STORE=mongo needs MONGO_URL');
      const connection = await MongoConnection.open(options.mongoUrl);
      try {
        return {
          rooms: await MongoRoomStore.open(connection),
          messages: await MongoMessageStore.open(connection),
          leases: await MongoLeaseStore.open(connection),
        };
      } catch (error) {
        await connection.close();
        throw error;
      }
    }
  }
}
