import {
  allowedHostProblem,
  ConfigError,
  defaultAllowedHosts,
  isSingleNode,
  loadSettings,
  defaultListenHost,
  setting,
  trustedProxyProblem,
  type Env,
  type SettingsOf,
} from '@playlist-chat/platform';

/** Declared before the group: CHAT_ALLOWED_HOSTS's default depends on it. */
const host = setting.string(
  'CHAT_HOST',
  defaultListenHost,
  'Interface the chat server listens on (default: 127.0.0.1 while AUTH_DEV_TOKENS is on, else 0.0.0.0)',
);

/** Every variable the chat server reads (besides the platform, auth and storage groups). */
export const chatSettings = {
  port: setting.port('CHAT_PORT', 18000, 'HTTP + WebSocket port of the chat server (0 = any free port)'),
  host,

  allowedHosts: setting.list(
    'CHAT_ALLOWED_HOSTS',
    defaultAllowedHosts(host),
    "Host names the chat server answers to (REST and /ws-chat), comma-separated, any port; others get 421, /health/* excepted. Default: localhost,127.0.0.1,[::1] while CHAT_HOST is loopback (single node), else * (any: in a cluster the gateway and the registry reach it by address). Requests through the gateway keep the client's Host",
    { item: allowedHostProblem },
  ),
  allowedOrigins: setting.list(
    'CHAT_ALLOWED_ORIGINS',
    (env) => (isSingleNode(env) ? '*' : ''),
    'Browser Origins allowed to open /ws-chat, comma-separated ("*" = any, single node only; requests without Origin are always allowed)',
  ),
  trustedProxies: setting.list(
    'CHAT_TRUSTED_PROXIES',
    (env) =>
      isSingleNode(env) ? '127.0.0.1,::1' : '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7,127.0.0.1,::1',
    'Proxies (the gateway) whose X-Real-IP header names the client address for per-address limits: addresses or CIDR ranges, comma-separated; anyone else is counted by its own address. Narrow it to the gateways in production',
    { item: trustedProxyProblem },
  ),
  maxConnectionsPerUser: setting.int(
    'CHAT_MAX_CONNECTIONS_PER_USER',
    10,
    'Open STOMP sessions one user may hold at once on each chat-server instance (counted per instance: N instances allow up to N times this)',
    { min: 1, max: 10_000 },
  ),
  maxConnectionsPerAddress: setting.int(
    'CHAT_MAX_CONNECTIONS_PER_ADDRESS',
    200,
    'Open STOMP sessions from one client address at once on each chat-server instance (counted per instance)',
    { min: 1, max: 1_000_000 },
  ),

  maxContentLength: setting.int(
    'CHAT_MAX_CONTENT_LENGTH',
    2000,
    'Longest chat line, in characters (code points); told to clients in CONNECTED as max-content-length. Checked at start-up to fit one SEND: 4 bytes a character + 1 KiB within STOMP_MAX_BODY_BYTES, + 1 KiB + 2 × STOMP_MAX_ID_HEADER_BYTES within STOMP_MAX_FRAME_BYTES (STOMP defaults: up to 15,808)',
    {
      min: 1,
      max: 60_000,
    },
  ),
  sendRateLimit: setting.int(
    'CHAT_SEND_RATE_LIMIT',
    20,
    'Chat lines one user may send per CHAT_SEND_RATE_WINDOW_SECONDS (burst size)',
    { min: 1, max: 100_000 },
  ),
  sendRateWindowSeconds: setting.int(
    'CHAT_SEND_RATE_WINDOW_SECONDS',
    10,
    'Window of the per-user send rate limit',
    { min: 1, max: 86_400 },
  ),
  readRateLimit: setting.int(
    'CHAT_READ_RATE_LIMIT',
    10,
    'READ receipts one member sends to a room per CHAT_READ_RATE_WINDOW_SECONDS; the read position is saved every time, and a receipt over the limit waits, carrying the newest position, until the limit allows it',
    { min: 1, max: 100_000 },
  ),
  readRateWindowSeconds: setting.int('CHAT_READ_RATE_WINDOW_SECONDS', 2, 'Window of the READ rate limit', {
    min: 1,
    max: 86_400,
  }),
  joinRateLimit: setting.int(
    'CHAT_JOIN_RATE_LIMIT',
    20,
    'Joins of rooms one is not in (each stores an ENTER line) one user may make per CHAT_JOIN_RATE_WINDOW_SECONDS; entering a room one is in is not counted',
    { min: 1, max: 100_000 },
  ),
  joinRateWindowSeconds: setting.int('CHAT_JOIN_RATE_WINDOW_SECONDS', 60, 'Window of the join rate limit', {
    min: 1,
    max: 86_400,
  }),
  createRateLimit: setting.int(
    'CHAT_CREATE_RATE_LIMIT',
    10,
    'Rooms one user may open per CHAT_CREATE_RATE_WINDOW_SECONDS (callers with scope rooms:create, the playlist service, are not limited)',
    { min: 1, max: 100_000 },
  ),
  createRateWindowSeconds: setting.int(
    'CHAT_CREATE_RATE_WINDOW_SECONDS',
    60,
    'Window of the room-creation rate limit',
    {
      min: 1,
      max: 86_400,
    },
  ),
  searchRateLimit: setting.int(
    'CHAT_SEARCH_RATE_LIMIT',
    10,
    'Searches one user may make per CHAT_SEARCH_RATE_WINDOW_SECONDS',
    { min: 1, max: 100_000 },
  ),
  searchRateWindowSeconds: setting.int(
    'CHAT_SEARCH_RATE_WINDOW_SECONDS',
    10,
    'Window of the search rate limit',
    {
      min: 1,
      max: 86_400,
    },
  ),
  maxPlaylistBytes: setting.int(
    'CHAT_MAX_PLAYLIST_BYTES',
    64 * 1024,
    "Largest playlist snapshot a room may hold, as JSON bytes (a larger one is a 400). The chat server's JSON body limit follows: the larger of this and 4 × CHAT_MAX_CONTENT_LENGTH, + 64 KiB (128 KiB by default; 413 above); through the gateway, GATEWAY_MAX_BODY_BYTES must allow it too",
    { min: 1_024, max: 16 * 1024 * 1024 },
  ),
  typingThrottleMs: setting.int(
    'CHAT_TYPING_THROTTLE_MS',
    1000,
    'At most one TYPING event per member and room in this interval; extra ones are dropped',
    { min: 0, max: 60_000 },
  ),
  maxRoomsPerUser: setting.int(
    'CHAT_MAX_ROOMS_PER_USER',
    4,
    'Rooms a user is in at once; joining one more exits the oldest-joined',
    { min: 1, max: 1000 },
  ),

  roomPageDefault: setting.int(
    'CHAT_ROOM_PAGE_DEFAULT',
    20,
    'Rooms per page of a room list when the client does not say',
    {
      min: 1,
      max: 1_000,
    },
  ),
  roomPageMax: setting.int(
    'CHAT_ROOM_PAGE_MAX',
    100,
    'Most rooms one page of a room list may hold (more is a 400)',
    {
      min: 1,
      max: 1_000,
    },
  ),
  historyPageDefault: setting.int(
    'CHAT_HISTORY_PAGE_DEFAULT',
    12,
    'Messages per history/search page when the client does not say',
    { min: 1, max: 1000 },
  ),
  historyPageMax: setting.int(
    'CHAT_HISTORY_PAGE_MAX',
    20,
    'Largest history/search page a client may ask for (more is a 400)',
    { min: 1, max: 1000 },
  ),
  reentryMaxMessages: setting.int(
    'CHAT_REENTRY_MAX_MESSAGES',
    200,
    'Unread messages returned on re-entry (hasMore says when there are more)',
    { min: 1, max: 10_000 },
  ),
  historyExportMax: setting.int(
    'CHAT_HISTORY_EXPORT_MAX',
    10_000,
    'Messages returned by the whole-history endpoint (truncated says when there are more)',
    { min: 1, max: 1_000_000 },
  ),
  replayMaxMessages: setting.int(
    'CHAT_REPLAY_MAX_MESSAGES',
    1000,
    'Messages replayed on SUBSCRIBE with last-message-id; beyond this the client pages history',
    { min: 1, max: 100_000 },
  ),
  replayRateLimit: setting.int(
    'CHAT_REPLAY_RATE_LIMIT',
    30,
    'SUBSCRIBEs with last-message-id one user may make per CHAT_REPLAY_RATE_WINDOW_SECONDS (each reads up to CHAT_REPLAY_MAX_MESSAGES lines back); one more is refused with rate-limited. A client reconnecting makes one per room it shows',
    { min: 1, max: 100_000 },
  ),
  replayRateWindowSeconds: setting.int(
    'CHAT_REPLAY_RATE_WINDOW_SECONDS',
    60,
    'Window of the replay rate limit',
    { min: 1, max: 86_400 },
  ),

  retentionDays: setting.int(
    'MESSAGE_RETENTION_DAYS',
    // Messages are kept at least 6 months: six calendar months last up to 184 days (July-December).
    184,
    'Messages older than this many days are purged (default 184: the longest six calendar months, as messages are kept at least 6 months)',
    { min: 1, max: 36_500 },
  ),
  roomIdleMinutes: setting.int(
    'ROOM_IDLE_MINUTES',
    60,
    'Rooms with no chat lines, nobody online and no activity this long are closed (being online is activity: a room closes this long after the last person in it left)',
    { min: 1, max: 525_600 },
  ),
  housekeepingIntervalMs: setting.int(
    'CHAT_HOUSEKEEPING_INTERVAL_MS',
    60_000,
    'How often retention purge and idle-room clean-up run',
    { min: 10, max: 86_400_000 },
  ),

  searchUrl: setting.url(
    'SEARCH_URL',
    '',
    'Base URL of the search service (POST {SEARCH_URL}/search/index/send); empty = index requests stay queued',
    { optional: true },
  ),
  searchOutboxIntervalMs: setting.int(
    'SEARCH_OUTBOX_INTERVAL_MS',
    1000,
    'How often the search-index outbox is delivered',
    { min: 10, max: 3_600_000 },
  ),
  searchRetryBaseMs: setting.int(
    'SEARCH_RETRY_BASE_MS',
    1000,
    'First retry delay of a failed index request; doubles each attempt',
    { min: 1, max: 3_600_000 },
  ),
  searchRetryMaxMs: setting.int(
    'SEARCH_RETRY_MAX_MS',
    300_000,
    'Longest delay between retries of one index request',
    { min: 1, max: 86_400_000 },
  ),
  searchTimeoutMs: setting.int('SEARCH_TIMEOUT_MS', 5000, 'Timeout of one request to the search service', {
    min: 1,
    max: 600_000,
  }),

  presence: setting.oneOf(
    'CHAT_PRESENCE',
    ['server', 'none'],
    'server',
    'server: presence comes from the presence server (device events, a lookup on join, presence.changes); none: no presence server, everyone may chat and "online" means subscribed here',
  ),
  presenceTimeoutMs: setting.int(
    'CHAT_PRESENCE_TIMEOUT_MS',
    1000,
    'Timeout of one lookup at the presence server, over HTTP or (single node) in process: the lookup on join, idle clean-up',
    { min: 1, max: 60_000 },
  ),
  pushOffListTtlMs: setting.int(
    'CHAT_PUSH_OFF_LIST_TTL_MS',
    10_000,
    "Push hand-off: how long a room's list of members who are off is reused for the next lines (a presence change in the room forgets it at once); 0 = ask the presence server for every line",
    { min: 0, max: 600_000 },
  ),
  presenceHeartbeatMs: setting.int(
    'CHAT_PRESENCE_HEARTBEAT_MS',
    20_000,
    "How often this instance reports its live STOMP sessions to the presence server; keep it at most a third of the presence server's PRESENCE_DEVICE_TTL_SECONDS",
    { min: 10, max: 3_600_000 },
  ),

  shutdownGraceMs: setting.int(
    'CHAT_SHUTDOWN_GRACE_MS',
    5000,
    'On close: how long in-flight sends may take before the app stops anyway',
    { min: 0, max: 600_000 },
  ),
};

export type ChatSettings = SettingsOf<typeof chatSettings>;

/** Room in a request body for what surrounds its largest part (a create body's owner fields, whitespace, escapes). */
const BODY_MARGIN_BYTES = 64 * 1024;
/** UTF-8 bytes of one character (code point) at most. */
export const MAX_BYTES_PER_CHARACTER = 4;

/** The longest chat line CHAT_MAX_CONTENT_LENGTH allows, in UTF-8 bytes at most. */
export const longestLineBytes = (settings: ChatSettings): number =>
  settings.maxContentLength * MAX_BYTES_PER_CHARACTER;

/**
 * The chat server's JSON body limit: its largest part the settings allow (a playlist snapshot,
 * or a chat line at 4 UTF-8 bytes a character) plus a margin, so no limit an operator sets is
 * hidden behind the parser's 413. Defaults: 64 KiB + 64 KiB = 128 KiB.
 */
export function jsonBodyLimitBytes(settings: ChatSettings): number {
  return Math.max(settings.maxPlaylistBytes, longestLineBytes(settings)) + BODY_MARGIN_BYTES;
}

type PageSizeKey = 'roomPageDefault' | 'roomPageMax' | 'historyPageDefault' | 'historyPageMax';

/**
 * Page sizes a client gets when it does not say, each with the largest it may ask for: a default
 * over its maximum would hand out pages larger than any `size` may ask for. History and search
 * pages share the history pair.
 */
const PAGE_SIZE_PAIRS: readonly (readonly [PageSizeKey, PageSizeKey])[] = [
  ['roomPageDefault', 'roomPageMax'],
  ['historyPageDefault', 'historyPageMax'],
];

/** Why a page size's default is refused (it exceeds its maximum), or undefined. */
function defaultOverMax(
  settings: ChatSettings,
  [defaultKey, maxKey]: readonly [PageSizeKey, PageSizeKey],
): string | undefined {
  const [value, max] = [settings[defaultKey], settings[maxKey]];
  return value > max
    ? `${chatSettings[defaultKey].env} (${value}) must not exceed ${chatSettings[maxKey].env} (${max})`
    : undefined;
}

/** Loads the group and applies the rules that involve other groups. */
export function loadChatSettings(env: Env): ChatSettings {
  const settings = loadSettings(chatSettings, env);
  const problems: string[] = [];
  if (settings.allowedOrigins.includes('*') && !isSingleNode(env)) {
    problems.push(
      'CHAT_ALLOWED_ORIGINS may be "*" only in single node (DEPLOYMENT_MODE=single); list the web client origins',
    );
  }
  for (const pair of PAGE_SIZE_PAIRS) {
    const problem = defaultOverMax(settings, pair);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}
