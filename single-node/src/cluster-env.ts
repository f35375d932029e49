/** Where the apps of a one-host cluster listen and what they share. */
export interface OneHostCluster {
  readonly dataDir: string;
  readonly redisUrl: string;
  readonly chatPorts: readonly number[];
  readonly presencePort: number;
  readonly internalToken: string;
}

/**
 * The settings every app of a one-host cluster gets (`npm run cluster:local`, the fault tests):
 * one SQLite file (and one generated token secret) under DATA_DIR, Redis for the fan-out,
 * presence and the event bus, and the static registry listing each instance.
 */
export function oneHostClusterEnv(cluster: OneHostCluster): NodeJS.ProcessEnv {
  return {
    DATA_DIR: cluster.dataDir,
    REDIS_URL: cluster.redisUrl,
    ROOM_FANOUT: 'redis',
    EVENT_BUS: 'redis',
    PRESENCE_STORE: 'redis',
    SERVICE_REGISTRY: 'static',
    STATIC_SERVICES: [
      `chat-server=${cluster.chatPorts.map((port) => `http://127.0.0.1:${port}`).join(',')}`,
      `presence-server=http://127.0.0.1:${cluster.presencePort}`,
    ].join(';'),
    PRESENCE_INTERNAL_TOKEN: cluster.internalToken,
  };
}
