import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { PresenceConfig } from '../presence-config';
import { openPresenceStore } from './open-presence-store';
import { PresenceStore } from './presence-store.port';

/** Closes the store after the HTTP server and the event subscriptions have stopped (shutdown runs after destroy). */
@Injectable()
class PresenceStoreCloser implements OnApplicationShutdown {
  constructor(private readonly store: PresenceStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** Needs `PresenceConfig` from the app module. */
@Module({
  providers: [
    { provide: PresenceStore, inject: [PresenceConfig], useFactory: openPresenceStore },
    PresenceStoreCloser,
  ],
  exports: [PresenceStore],
})
export class PresenceStoreModule {}
