import {
  allowedHostProblem,
  defaultAllowedHosts,
  defaultListenHost,
  isSingleNode,
  setting,
  type SettingsOf,
} from '@playlist-chat/platform';

/** Declared before the group: PRESENCE_ALLOWED_HOSTS's default depends on it. */
const host = setting.string(
  'PRESENCE_HOST',
  // Loopback in single node: the gateway and chat server beside it are its only callers.
  (env) => (isSingleNode(env) ? '127.0.0.1' : defaultListenHost(env)),
  'Address the presence server listens on (default: 127.0.0.1 in single node or while AUTH_DEV_TOKENS is on, else 0.0.0.0)',
);

/** The presence server's own variables (shared ones — REDIS_URL, bus, registry, auth, PRESENCE_INTERNAL_TOKEN — live in the platform groups). */
export const presenceSettings = {
  port: setting.port('PRESENCE_PORT', 18010, 'HTTP port of the presence server (0 = any free port)'),
  host,
  allowedHosts: setting.list(
    'PRESENCE_ALLOWED_HOSTS',
    defaultAllowedHosts(host),
    "Host names the presence server answers to, comma-separated, any port; others get 421, /health/* excepted. Default: localhost,127.0.0.1,[::1] while PRESENCE_HOST is loopback (single node), else * (any: in a cluster the chat servers, the gateway and the registry reach it by address). Requests through the gateway keep the client's Host, so npm start and npm run cluster:local add GATEWAY_ALLOWED_HOSTS's names when this is unset",
    { item: allowedHostProblem },
  ),
  store: setting.oneOf(
    'PRESENCE_STORE',
    ['memory', 'redis'],
    (env) => (isSingleNode(env) ? 'memory' : 'redis'),
    'PresenceStore adapter: in-process (single node) or Redis (needs REDIS_URL)',
    {
      refuse: (value, env) =>
        value === 'memory' && env.DEPLOYMENT_MODE === 'cluster'
          ? 'must not be memory when DEPLOYMENT_MODE=cluster: each presence-server instance would keep its own; use redis'
          : undefined,
    },
  ),
  saveState: setting.bool(
    'PRESENCE_SAVE_STATE',
    // Its name until 2026-12-07 (it kept the choices only) still counts when set.
    (env) => env.PRESENCE_SAVE_CHOICES ?? 'true',
    'With PRESENCE_STORE=memory: keep each room\'s members and their "appear offline" choices in ${DATA_DIR}/presence.sqlite, so after a restart every room\'s presence lists answer (everyone off until they connect) and those members stay off; false: kept in memory only (a room is unknown to presence until someone enters it, choices are forgotten). Default: PRESENCE_SAVE_CHOICES (its former name) when set, else true. (Redis keeps them as long as Redis keeps its data.)',
  ),
  redisKeyPrefix: setting.string(
    'PRESENCE_REDIS_PREFIX',
    'presence:',
    'Prefix of every presence key in Redis',
  ),
  deviceTtlSeconds: setting.int(
    'PRESENCE_DEVICE_TTL_SECONDS',
    60,
    'A device that sends no heart-beat for this long is dropped (the member goes off with their last device)',
    {
      min: 1,
      max: 86_400,
    },
  ),
  disconnectGraceSeconds: setting.int(
    'PRESENCE_DISCONNECT_GRACE_SECONDS',
    5,
    'A disconnected device still counts this long, so a quick reconnect (page reload) does not flash the member off',
    { min: 0, max: 3600 },
  ),
  sweepIntervalMs: setting.int(
    'PRESENCE_SWEEP_INTERVAL_MS',
    1000,
    'How often lapsed devices are turned into presence.changed events',
    { min: 10, max: 600_000 },
  ),
  sweepBatch: setting.int(
    'PRESENCE_SWEEP_BATCH',
    1000,
    'Members swept per store call (a sweep repeats until no more are due)',
    { min: 1, max: 100_000 },
  ),
};

export type PresenceSettings = SettingsOf<typeof presenceSettings>;
