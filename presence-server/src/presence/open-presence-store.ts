import type { PresenceConfig } from '../presence-config';
import { InMemoryPresenceStore } from './presence-store.memory';
import type { PresenceStore } from './presence-store.port';
import { RedisPresenceStore } from './presence-store.redis';
import { SavedPresence } from './saved-presence.sqlite';

/** The one place PRESENCE_STORE becomes an adapter; settings are validated, but the switch stays exhaustive. */
export function openPresenceStore(config: PresenceConfig): PresenceStore {
  const options = {
    deviceTtlMs: config.presence.deviceTtlSeconds * 1000,
    disconnectGraceMs: config.presence.disconnectGraceSeconds * 1000,
  };
  const store = config.presence.store;
  switch (store) {
    case 'memory':
      return new InMemoryPresenceStore(
        options,
        config.presence.saveState ? SavedPresence.open(config.platform.dataDir) : undefined,
      );
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
