import { Global, Module, type DynamicModule } from '@nestjs/common';
import { LeaseHolding } from './leased-pass';
import { LeaseStore } from './lease-store.port';
import { openLeaseStore } from './open-lease-store';
import { openStoreConnection, STORE_CONNECTION, type ChatStorageOptions } from './store-connection';
import { OpenedStores, storeProvider } from './store-provider';
import { StoreSpace } from './store-space';

/**
 * The shared store connection of the configured engine (`CHAT_STORE`: sqlite or mongo), the
 * `LeaseStore`, `StoreSpace` (is there disk space for writes), and the closing of every store at shutdown. Global: each store port's module
 * (`RoomStoreModule`, `MessageStoreModule`, …) opens its adapter on this connection.
 */
@Global()
@Module({})
export class StorageModule {
  static forRoot(options: ChatStorageOptions): DynamicModule {
    return {
      module: StorageModule,
      providers: [
        { provide: STORE_CONNECTION, useFactory: () => openStoreConnection(options) },
        OpenedStores,
        LeaseHolding,
        storeProvider(LeaseStore, openLeaseStore),
        StoreSpace,
      ],
      exports: [STORE_CONNECTION, OpenedStores, LeaseStore, LeaseHolding, StoreSpace],
    };
  }
}
