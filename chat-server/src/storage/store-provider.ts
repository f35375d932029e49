import { Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { STORE_CONNECTION, type StoreConnection } from './store-connection';

interface Closable {
  close(): Promise<void>;
}

/** Every store opened on the shared connection, closed when the application shuts down. */
@Injectable()
export class OpenedStores implements OnApplicationShutdown {
  private readonly stores: Closable[] = [];

  add<T extends Closable>(store: T): T {
    this.stores.push(store);
    return store;
  }

  /** StorageModule is imported by every module that uses a store, so this runs after their shutdown hooks. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.stores.splice(0).map((store) => store.close()));
  }
}

/** Binds a store port to the adapter `open` picks for the shared connection; closed on shutdown. */
export function storeProvider<T extends Closable>(
  port: abstract new (...args: never[]) => T,
  open: (connection: StoreConnection) => Promise<T>,
): Provider {
  return {
    provide: port,
    inject: [STORE_CONNECTION, OpenedStores],
    useFactory: async (connection: StoreConnection, opened: OpenedStores) =>
      opened.add(await open(connection)),
  };
}
