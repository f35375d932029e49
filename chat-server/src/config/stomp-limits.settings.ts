import { ConfigError, loadSettings, setting, type Env, type SettingsOf } from '@playlist-chat/platform';
import type { StompServerOptions } from '@playlist-chat/stomp';

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * The per-session bounds of the STOMP endpoint (`/ws-chat`): everything one connection can make
 * the server hold. Hitting one ends that session with an ERROR frame naming the limit; every
 * other session carries on. See docs/security.md for why each default is what it is.
 */
export const stompSettings = {
  maxFrameBytes: setting.int(
    'STOMP_MAX_FRAME_BYTES',
    64 * KIB,
    'Largest inbound STOMP frame (command, headers and body), in bytes',
    { min: 1 * KIB, max: 16 * MIB },
  ),
  maxBodyBytes: setting.int('STOMP_MAX_BODY_BYTES', 64 * KIB, 'Largest inbound frame body, in bytes', {
    min: 1,
    max: 16 * MIB,
  }),
  maxHeaders: setting.int('STOMP_MAX_HEADERS', 32, 'Header lines one inbound frame may have', {
    min: 4,
    max: 1_000,
  }),
  maxHeaderLineBytes: setting.int(
    'STOMP_MAX_HEADER_LINE_BYTES',
    4 * KIB,
    'Longest header line (and command line) of an inbound frame, in bytes',
    { min: 64, max: 1 * MIB },
  ),
  maxIdHeaderBytes: setting.int(
    'STOMP_MAX_ID_HEADER_BYTES',
    128,
    "Longest value of the identifier headers a client chooses (receipt, id, transaction, and ack on ACK/NACK; not SUBSCRIBE's ack mode), in bytes",
    { min: 16, max: 4 * KIB },
  ),
  maxBufferedBytes: setting.int(
    'STOMP_MAX_BUFFERED_BYTES',
    4 * MIB,
    'Unsent output (MESSAGE, RECEIPT, …) one session may have waiting before it is dropped as a slow consumer; inbound frames stop being read above half of it',
    { min: 64 * KIB, max: 256 * MIB },
  ),
  drainTimeoutMs: setting.int(
    'STOMP_DRAIN_TIMEOUT_MS',
    30_000,
    'A session whose unsent output stays over half of STOMP_MAX_BUFFERED_BYTES without going down for this long, while the server waits for it (reading paused, or a replay sent at the pace the client reads), is dropped as a slow consumer',
    { min: 1_000, max: 600_000 },
  ),
  maxQueuedFrames: setting.int(
    'STOMP_MAX_QUEUED_FRAMES',
    1024,
    'Inbound frames one session may have parsed and waiting to be handled; reading pauses at 32, but what was already read is parsed whole, so one WebSocket message of tiny frames could queue thousands',
    { min: 64, max: 100_000 },
  ),
  maxSubscriptions: setting.int('STOMP_MAX_SUBSCRIPTIONS', 256, 'Subscriptions one session may hold', {
    min: 1,
    max: 100_000,
  }),
  maxTransactions: setting.int('STOMP_MAX_TRANSACTIONS', 16, 'Open (uncommitted) transactions per session', {
    min: 1,
    max: 10_000,
  }),
  maxTransactionFrames: setting.int(
    'STOMP_MAX_TRANSACTION_FRAMES',
    256,
    'Frames one transaction may hold until COMMIT or ABORT',
    { min: 1, max: 100_000 },
  ),
  maxTransactionBytes: setting.int(
    'STOMP_MAX_TRANSACTION_BYTES',
    1 * MIB,
    "Bytes all of a session's open transactions may hold together",
    { min: 1 * KIB, max: 1024 * MIB },
  ),
  maxUnackedMessages: setting.int(
    'STOMP_MAX_UNACKED_MESSAGES',
    1024,
    'MESSAGEs awaiting ACK per client-ack subscription',
    { min: 1, max: 1_000_000 },
  ),
  maxHeldMessages: setting.int(
    'STOMP_MAX_HELD_MESSAGES',
    10_000,
    'Live messages held for one subscription while its replay is read and sent',
    { min: 1, max: 1_000_000 },
  ),
  connectTimeoutMs: setting.int(
    'STOMP_CONNECT_TIMEOUT_MS',
    10_000,
    'A socket that sends no CONNECT within this is closed',
    { min: 100, max: 600_000 },
  ),
  heartbeatMinMs: setting.int(
    'STOMP_HEARTBEAT_MIN_MS',
    1_000,
    "Shortest heart-beat interval the server offers both ways; each direction runs at the larger of this and the client's ask (0 = no heart-beats)",
    { min: 0, max: 600_000 },
  ),
};

export type StompSettings = SettingsOf<typeof stompSettings>;

/** The STOMP server options these settings give. */
export function stompOptionsFrom(settings: StompSettings): Pick<StompServerOptions, 'limits' | 'heartbeat'> {
  const { heartbeatMinMs, maxSubscriptions, ...limits } = settings;
  return {
    limits: { ...limits, maxSubscriptionsPerSession: maxSubscriptions },
    heartbeat: { outgoingMs: heartbeatMinMs, incomingMs: heartbeatMinMs },
  };
}

/** Loads the group; a body limit over the frame limit is refused (the frame, body included, would decide alone). */
export function loadStompSettings(env: Env): SettingsOf<typeof stompSettings> {
  const settings = loadSettings(stompSettings, env);
  if (settings.maxBodyBytes > settings.maxFrameBytes)
    throw new ConfigError([
      `${stompSettings.maxBodyBytes.env} (${settings.maxBodyBytes}) must not exceed ${stompSettings.maxFrameBytes.env} (${settings.maxFrameBytes})`,
    ]);
  return settings;
}
