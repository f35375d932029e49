import {
  allowedHostProblem,
  defaultAllowedHosts,
  defaultListenHost,
  isSingleNode,
  setting,
  stopStepProblems,
  trustedProxyProblem,
  type PlatformSettings,
  type SettingsOf,
} from '@playlist-chat/platform';
import { proxiedServices } from './routing/routes';

/** Declared before the group: GATEWAY_ALLOWED_HOSTS's default depends on it. */
const host = setting.string(
  'GATEWAY_HOST',
  defaultListenHost,
  'Interface the gateway listens on (default: 127.0.0.1 while AUTH_DEV_TOKENS is on, so only this machine can mint tokens; else 0.0.0.0)',
);

/** Every variable the gateway reads, declared once; `loadSettings(gatewaySettings, env)` validates them at start-up. */
export const gatewaySettings = {
  port: setting.port(
    'GATEWAY_PORT',
    8080,
    'Port of the gateway: public REST, /ws-chat, /docs and the web client (0 = any free port)',
  ),
  host,
  allowedHosts: setting.list(
    'GATEWAY_ALLOWED_HOSTS',
    defaultAllowedHosts(host, { whileDevTokens: true }),
    'Host names the gateway answers to, comma-separated, any port (DNS-rebinding defence; other Hosts get 421, /health/* excepted). Default: localhost,127.0.0.1,[::1] while AUTH_DEV_TOKENS is on or GATEWAY_HOST is loopback, else * (any); set your public name(s) in production',
    { item: allowedHostProblem },
  ),
  corsOrigins: setting.list(
    'GATEWAY_CORS_ORIGINS',
    '',
    'Origins allowed to call the API from a browser, comma-separated (* = any; empty = same origin only)',
    {
      item: (value) =>
        value === '*' || /^https?:\/\/[^/]+$/.test(value)
          ? undefined
          : 'must be * or an origin like https://app.example.com',
    },
  ),
  rateLimitPerMinute: setting.int(
    'GATEWAY_RATE_LIMIT_PER_MIN',
    3_000,
    'Proxied requests and WebSocket upgrades per minute one client address may make on average (0 = no limit)',
    {
      min: 0,
      max: 60_000_000,
    },
  ),
  rateLimitBurst: setting.int(
    'GATEWAY_RATE_LIMIT_BURST',
    200,
    'Proxied requests one client address may make at once before the per-minute rate applies',
    {
      min: 1,
      max: 1_000_000,
    },
  ),
  trustedProxies: setting.list(
    'GATEWAY_TRUSTED_PROXIES',
    '',
    'Load balancers in front of the gateway (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For/Proto/Host are believed; the client is the right-most hop that is not one of them. Empty: the socket peer is the client',
    { item: trustedProxyProblem },
  ),
  proxyTimeoutMs: setting.int(
    'GATEWAY_PROXY_TIMEOUT_MS',
    30_000,
    'Longest wait for an instance to start its answer (counted from dispatch, a wait for a free connection included), and between two pieces of it, before 504 (or a retry when safe); undici checks the pauses in a body about every half second, so those may run up to ~0.5 s over',
    {
      min: 100,
      max: 600_000,
    },
  ),
  upgradeTimeoutMs: setting.int(
    'GATEWAY_UPGRADE_TIMEOUT_MS',
    10_000,
    'Longest wait for a chat-server instance to accept a /ws-chat upgrade',
    { min: 100, max: 600_000 },
  ),
  retries: setting.int(
    'GATEWAY_RETRIES',
    2,
    'Further instances tried when one cannot be reached (any method) or fails an idempotent request',
    { min: 0, max: 10 },
  ),
  maxBodyBytes: setting.int(
    'GATEWAY_MAX_BODY_BYTES',
    1_048_576,
    "Largest request body the gateway forwards (kept in memory so a retry can resend it); larger gets 413. Keep it at least the chat server's body limit (see CHAT_MAX_PLAYLIST_BYTES): `npm start` refuses to start otherwise",
    {
      min: 1024,
      max: 64 * 1_048_576,
    },
  ),
  upstreamSockets: setting.int(
    'GATEWAY_UPSTREAM_SOCKETS',
    256,
    'Most connections the gateway holds open to one service instance, busy or idle; requests beyond it wait in the gateway',
    { min: 1, max: 100_000 },
  ),
  ejectMs: setting.int(
    'GATEWAY_EJECT_MS',
    5_000,
    'After an instance could not be reached (connection refused, host or network unreachable, name not found), sent no answer headers within GATEWAY_PROXY_TIMEOUT_MS, or did not answer a WebSocket upgrade within GATEWAY_UPGRADE_TIMEOUT_MS: how long this gateway prefers other instances',
    { min: 0, max: 600_000 },
  ),
  drainTimeoutMs: setting.int(
    'GATEWAY_DRAIN_TIMEOUT_MS',
    5_000,
    'On stop, how long in-flight requests may finish before the gateway cuts its connections',
    { min: 0, max: 600_000 },
  ),
  readinessServices: setting.list(
    'GATEWAY_READINESS_SERVICES',
    (env) => (isSingleNode(env) ? proxiedServices.join(',') : 'none'),
    "Services that need a healthy instance for the gateway to answer ready at /health/ready, comma-separated, or none (ready while discovery answers). Default: chat-server,presence-server on a single node, whose Health URL is the gateway's; none in a cluster, where one service down must not take every gateway out of its load balancer",
    {
      item: (value) =>
        value === 'none' || proxiedServices.includes(value)
          ? undefined
          : `must be none or one of ${proxiedServices.join(', ')}`,
    },
  ),
  healthCheckIntervalMs: setting.int(
    'GATEWAY_HEALTH_CHECK_INTERVAL_MS',
    10_000,
    'How often the registry checks this gateway instance',
    { min: 100, max: 600_000 },
  ),
};

export type GatewaySettings = SettingsOf<typeof gatewaySettings>;

/** The rules between the gateway's settings and the platform's: its drain must end before the process is made to exit. */
export function gatewaySettingsProblems(
  gateway: GatewaySettings | undefined,
  platform: PlatformSettings | undefined,
): string[] {
  if (!gateway || !platform) return [];
  return stopStepProblems(gatewaySettings.drainTimeoutMs.env, gateway.drainTimeoutMs, platform);
}
