import { statSync } from 'node:fs';
import { requiredWhenEquals, setting, shortSecretRefusal, type Env, type SettingsOf } from './settings';
import { parseStaticServices } from './static-services';

/** For defaults in other groups that differ between the two ways to run. */
export const isSingleNode = (env: Env): boolean => (env.DEPLOYMENT_MODE ?? 'single') === 'single';

/** Which column of the architecture this process runs in, and the adapter behind each shared port. */
/** The adapter an adapter switch selects, set or by default (memory in single node, `clusterDefault` in a cluster). */
function adapterOf(env: Env, variable: string, clusterDefault: string): string {
  return env[variable] || (isSingleNode(env) ? 'memory' : clusterDefault);
}

/** An in-process adapter in a cluster would give each instance its own bus, fan-out or registry. */
function notInCluster(value: string, env: Env): string | undefined {
  return value === 'memory' && env.DEPLOYMENT_MODE === 'cluster'
    ? 'must not be memory when DEPLOYMENT_MODE=cluster: each instance would have its own; choose a shared adapter'
    : undefined;
}

/** Why STATIC_SERVICES cannot be read, or undefined: the static registry's own rule, checked with every other setting. */
function staticServicesProblem(value: string): string | undefined {
  const parsed = parseStaticServices(value);
  return typeof parsed === 'string' ? parsed : undefined;
}

/** The shortest PRESENCE_INTERNAL_TOKEN taken: 16 random bytes are out of reach of guessing over the network. */
export const MIN_INTERNAL_TOKEN_BYTES = 16;

/** A DATA_DIR that exists must be a folder: a file there failed later, blaming the disk. */
function notAFolder(path: string): string | undefined {
  try {
    return statSync(path).isDirectory() ? undefined : 'must be a folder, not a file';
  } catch {
    return undefined; // not there yet: made at start-up
  }
}

export const platformSettings = {
  mode: setting.oneOf(
    'DEPLOYMENT_MODE',
    ['single', 'cluster'],
    'single',
    'single: one process, embedded adapters; cluster: external services',
  ),
  dataDir: setting.string(
    'DATA_DIR',
    './data',
    'Folder for single-node data (SQLite files, generated secrets)',
    { refuse: notAFolder },
  ),
  instanceId: setting.string(
    'INSTANCE_ID',
    '',
    'Name of this instance in logs and discovery (empty: host name and pid)',
  ),
  logLevel: setting.oneOf(
    'LOG_LEVEL',
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    'info',
    'Minimum level of log lines',
  ),
  logProcessName: setting.string(
    'LOG_PROCESS_NAME',
    '',
    'Service name on log lines that belong to no request (empty: the app itself; npm start, three apps in one process, uses playlist-chat)',
  ),
  eventBus: setting.oneOf(
    'EVENT_BUS',
    ['memory', 'kafka', 'redis'],
    (env) => (isSingleNode(env) ? 'memory' : 'kafka'),
    'EventBus adapter: in-process (single node), Kafka, or Redis Streams (small clusters, no Kafka)',
    { refuse: notInCluster },
  ),
  eventStreamMaxLength: setting.int(
    'EVENT_STREAM_MAX_LENGTH',
    100_000,
    'Redis Streams bus: entries each topic stream keeps (approximately); older ones are trimmed',
    { min: 1_000, max: 100_000_000 },
  ),
  eventLeaseMs: setting.int(
    'EVENT_LEASE_MS',
    5_000,
    'Redis Streams bus: how long a group reader may go silent before another instance takes the group over',
    { min: 500, max: 600_000 },
  ),
  kafkaBrokers: setting.list('KAFKA_BROKERS', '', 'Kafka bootstrap brokers, comma-separated host:port', {
    requiredWhen: (env) => (adapterOf(env, 'EVENT_BUS', 'kafka') === 'kafka' ? 'EVENT_BUS=kafka' : undefined),
  }),
  kafkaClientId: setting.string('KAFKA_CLIENT_ID', 'playlist-chat', 'Kafka client id prefix'),
  kafkaPartitions: setting.int(
    'KAFKA_PARTITIONS',
    6,
    'Partitions of each topic the event bus creates (upper bound of consumers per group)',
    { min: 1, max: 10_000 },
  ),
  kafkaReplication: setting.int(
    'KAFKA_REPLICATION',
    1,
    'Replication factor of each topic the event bus creates (3 on a 3+ broker cluster)',
    { min: 1, max: 32 },
  ),
  kafkaPublishTimeoutMs: setting.int(
    'KAFKA_PUBLISH_TIMEOUT_MS',
    30_000,
    'Longest one publish to Kafka may take (connection, bounded retries, acks) before it fails',
    { min: 1_000, max: 600_000 },
  ),
  eventMaxAttempts: setting.int(
    'EVENT_MAX_ATTEMPTS',
    5,
    'Deliveries of one event before it is parked in the dead-letter topic',
    { min: 1, max: 100 },
  ),
  eventRetryBaseMs: setting.int(
    'EVENT_RETRY_BASE_MS',
    200,
    'First retry delay of a failed event handler; doubles each attempt',
    { min: 1, max: 600_000 },
  ),
  fanout: setting.oneOf(
    'ROOM_FANOUT',
    ['memory', 'redis'],
    (env) => (isSingleNode(env) ? 'memory' : 'redis'),
    'RoomFanout adapter: in-process (single node) or Redis pub/sub',
    { refuse: notInCluster },
  ),
  redisUrl: setting.url(
    'REDIS_URL',
    '',
    'Redis URL (redis://host:port/db, rediss:// for TLS) for fan-out, presence and the Redis Streams bus',
    {
      optional: true,
      // A URL ioredis cannot use would not fail start-up: the node would retry forever, never ready.
      protocols: ['redis:', 'rediss:'],
      // Names the first switch that needs it.
      requiredWhen: (env) =>
        [
          ['PRESENCE_STORE', adapterOf(env, 'PRESENCE_STORE', 'redis')],
          ['ROOM_FANOUT', adapterOf(env, 'ROOM_FANOUT', 'redis')],
          ['EVENT_BUS', adapterOf(env, 'EVENT_BUS', 'kafka')],
        ]
          .filter(([, adapter]) => adapter === 'redis')
          .map(([variable]) => `${variable} is redis`)[0],
    },
  ),
  registry: setting.oneOf(
    'SERVICE_REGISTRY',
    ['memory', 'consul', 'static'],
    (env) => (isSingleNode(env) ? 'memory' : 'consul'),
    'ServiceRegistry adapter: in-process (single node), Consul, or a static list (STATIC_SERVICES)',
    { refuse: notInCluster },
  ),
  staticServices: setting.string(
    'STATIC_SERVICES',
    '',
    'Static registry: service=url,url;service=url… e.g. chat-server=http://10.0.0.5:18000,http://10.0.0.6:18000;presence-server=http://10.0.0.7:18010 (health-checked at /health/ready)',
    {
      requiredWhen: requiredWhenEquals('SERVICE_REGISTRY', 'static'),
      pattern: /^[^=;]+=[^;]*(;[^=;]+=[^;]*)*;?$|^$/,
      hint: 'service=http://host:port,http://host:port;service=…',
      refuse: staticServicesProblem,
    },
  ),
  consulUrl: setting.url('CONSUL_URL', '', 'Consul agent HTTP address, e.g. http://consul:8500', {
    optional: true,
    protocols: ['http:', 'https:'],
    requiredWhen: (env) =>
      adapterOf(env, 'SERVICE_REGISTRY', 'consul') === 'consul' ? 'SERVICE_REGISTRY=consul' : undefined,
  }),
  consulDeregisterAfter: setting.string(
    'CONSUL_DEREGISTER_CRITICAL_AFTER',
    '1m',
    'Consul removes an instance whose health check stayed critical this long',
    {
      pattern: /^\d+(ms|s|m|h)$/,
      hint: 'a duration like 90s or 1m',
    },
  ),
  consulTimeoutMs: setting.int(
    'CONSUL_TIMEOUT_MS',
    5_000,
    'Longest one call to the Consul agent (register, deregister, health lookup, ping) may take before it fails',
    { min: 100, max: 120_000 },
  ),
  advertiseHost: setting.string(
    'ADVERTISE_HOST',
    '127.0.0.1',
    'Host name other services use to reach this instance; auto = its first non-loopback IPv4 address (replicas that share one configuration, e.g. docker compose --scale)',
  ),
  // Shared here because two services read it: the presence server checks it, the chat server sends it.
  presenceInternalToken: setting.string(
    'PRESENCE_INTERNAL_TOKEN',
    '',
    "Secret of the presence server's /internal/** API, at least 16 bytes (e.g. openssl rand -base64 24); the chat server sends it as x-internal-token (empty = not checked: single node only, where the API listens on loopback)",
    {
      // Every instance in a cluster network could otherwise read anyone's presence.
      requiredWhen: requiredWhenEquals('DEPLOYMENT_MODE', 'cluster'),
      secret: true,
      // A word anyone could guess, or a secret an unquoted # in .env cut short, guards nothing.
      refuse: shortSecretRefusal((bytes) =>
        bytes >= MIN_INTERNAL_TOKEN_BYTES ? undefined : `must be at least ${MIN_INTERNAL_TOKEN_BYTES} bytes`,
      ),
    },
  ),
  shutdownTimeoutMs: setting.int(
    'SHUTDOWN_TIMEOUT_MS',
    10_000,
    "On SIGINT/SIGTERM, the longest a process (`npm start`, or any service run on its own) takes to stop before it exits anyway (exit code 1); keep it below the supervisor's kill timeout (Docker: stop_grace_period). Each stop step (GATEWAY_DRAIN_TIMEOUT_MS, CHAT_SHUTDOWN_GRACE_MS) must be shorter",
    { min: 1_000, max: 600_000 },
  ),
};

export type PlatformSettings = SettingsOf<typeof platformSettings>;

/**
 * A stop step of `ms` (the setting `variable`) must end before SHUTDOWN_TIMEOUT_MS forces the
 * process out: otherwise the step is cut short, the exit code says failure, and what it was
 * waiting for (requests, sends) is cut too. Empty when it fits.
 */
export function stopStepProblems(variable: string, ms: number, platform: PlatformSettings): string[] {
  if (ms < platform.shutdownTimeoutMs) return [];
  const timeout = platformSettings.shutdownTimeoutMs.env;
  return [
    `${variable} (${ms}) must be less than ${timeout} (${platform.shutdownTimeoutMs}), or a stop exits before it ends: raise ${timeout} (and the supervisor's kill timeout) or lower ${variable}`,
  ];
}
