import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { MessageStore } from '../messages/message-store.port';
import { RoomStore } from '../rooms/room-store.port';
import { LeaseStore } from './lease-store.port';
import { openChatStores, type ChatStorageOptions, type ChatStores } from './open-stores';

const CHAT_STORES = Symbol('CHAT_STORES');

/**
 * Binds `RoomStore` and `MessageStore` to the adapters of the configured engine
 * (`CHAT_STORE`: sqlite or mongo), opened once on a shared connection, and closes them when
 * the application shuts down — after every other provider's shutdown hooks, since this
 * module is imported by the modules that use the stores.
 */
@Module({})
export class ChatStorageModule implements OnApplicationShutdown {
  constructor(
    private readonly rooms: RoomStore,
    private readonly messages: MessageStore,
    private readonly leases: LeaseStore,
  ) {}

  static forRoot(options: ChatStorageOptions): DynamicModule {
    return {
      module: ChatStorageModule,
      providers: [
        { provide: CHAT_STORES, useFactory: () => openChatStores(options) },
        { provide: RoomStore, inject: [CHAT_STORES], useFactory: (stores: ChatStores) => stores.rooms },
        { provide: MessageStore, inject: [CHAT_STORES], useFactory: (stores: ChatStores) => stores.messages },
        { provide: LeaseStore, inject: [CHAT_STORES], useFactory: (stores: ChatStores) => stores.leases },
      ],
      exports: [RoomStore, MessageStore, LeaseStore],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.rooms.close(), this.messages.close(), this.leases.close()]);
  }
}
