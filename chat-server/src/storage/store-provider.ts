import { Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { InjectStoreConnection, STORE_CONNECTION, type StoreConnection } from './store-connection';

interface Closable {
  close(): Promise<void>;
}

/** Every store opened on the shared connection, closed when the application shuts down. */
@Injectable()
export class OpenedStores implements OnApplicationShutdown {
  private readonly stores: Closable[] = [];

  constructor(@InjectStoreConnection() private readonly connection: StoreConnection) {}

  add<T extends Closable>(store: T): T {
    this.stores.push(store);
    return store;
  }

  /**
   * StorageModule is imported by every module that uses a store, so this runs after their
   * shutdown hooks. Then the SQLite file is let go of for good: its checkpoint thread has done
   * its last checkpoint and closed, so nothing touches the files once the app has closed.
   */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.stores.splice(0).map((store) => store.close()));
    if (this.connection.engine === 'sqlite') {
      this.connection.db.close();
      await this.connection.db.closed();
    }
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
