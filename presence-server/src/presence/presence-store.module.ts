import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { PresenceConfig } from '../presence-config';
import { InMemoryPresenceStore } from './presence-store.memory';
import { PresenceStore } from './presence-store.port';
import { RedisPresenceStore } from './presence-store.redis';

/** PRESENCE_STORE picks the adapter; settings are validated, but the switch stays exhaustive. */
export function createPresenceStore(config: PresenceConfig): PresenceStore {
  const options = {
    deviceTtlMs: config.presence.deviceTtlSeconds * 1000,
    disconnectGraceMs: config.presence.disconnectGraceSeconds * 1000,
  };
  const store = config.presence.store;
  switch (store) {
    case 'memory':
      return new InMemoryPresenceStore(options);
    case 'redis':
      return new RedisPresenceStore({
        ...options,
        url: config.platform.redisUrl,
        keyPrefix: config.presence.redisKeyPrefix,
      });
    default:
      throw new Error(`unknown PRESENCE_STORE ${String(store satisfies never)}`);
  }
}

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
    { provide: PresenceStore, inject: [PresenceConfig], useFactory: createPresenceStore },
    PresenceStoreCloser,
  ],
  exports: [PresenceStore],
})
export class PresenceStoreModule {}
