import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { CLIENT_ADDRESS_HEADER, requestIdFrom, type TrustedProxies } from '@playlist-chat/platform';

/**
 * The request's id: the one the platform's request logging gave it (so the gateway's own request
 * line, the response and the services share one id), else the one the client sent when it is a
 * sane token (a WebSocket upgrade bypasses the request logging), else a fresh one.
 */
export function requestIdOf(req: IncomingMessage & { id?: unknown }): string {
  return typeof req.id === 'string' ? req.id : requestIdFrom(req);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The client's address: the right-most X-Forwarded-For hop that is not a trusted load balancer (the peer itself without one). */
export function clientAddressOf(req: IncomingMessage, trusted: TrustedProxies): string {
  return trusted.clientAddress(req.socket.remoteAddress, first(req.headers['x-forwarded-for']));
}

/** Hop-by-hop request headers (RFC 9110 7.6.1), meant for the gateway alone. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
];
/** What the gateway itself frames the forwarded request with: never dropped, whatever Connection names. */
const FRAMING = new Set(['host', 'content-length', 'transfer-encoding']);

/**
 * Drops, before an HTTP request or answer is forwarded, the hop-by-hop headers and those its
 * `Connection` names (RFC 9110 7.6.1: a proxy must not pass them on). The forwarding copies
 * every other header as it is, and the instance would otherwise see `Connection: close` (closing
 * the gateway's kept-alive connection), `Proxy-Authorization` and whatever the client marked
 * as for the gateway only; the client, the instance's own.
 */
export function dropHopByHopHeaders(headers: Record<string, string | string[] | undefined>): void {
  const named = headers.connection;
  if (named !== undefined)
    for (const name of (Array.isArray(named) ? named.join(',') : named).split(',')) {
      const header = name.trim().toLowerCase();
      if (header && !FRAMING.has(header)) delete headers[header];
    }
  for (const header of HOP_BY_HOP) delete headers[header];
}

/**
 * The same for a WebSocket upgrade, which then asks the instance for `Connection: Upgrade`,
 * `Upgrade: websocket` alone: the protocol the gateway chose when the client offered several
 * (`h2c, websocket`; the tunnel takes nothing else).
 */
function keepOnlyWebSocketUpgrade(headers: Record<string, string | string[] | undefined>): void {
  dropHopByHopHeaders(headers);
  headers.connection = 'Upgrade';
  headers.upgrade = 'websocket';
}

/**
 * Sets what an instance needs to know about the original request, on the request headers the
 * proxy copies, less the hop-by-hop ones: X-Forwarded-For/Proto/Host (a client's own values are kept only when the peer is
 * a trusted load balancer, and then our hop is appended), `X-Real-IP` with the client address the
 * gateway decided on (always overwritten: the services believe it only from the gateway), and
 * `x-request-id` (generated when absent). `traceparent` and `tracestate` pass through untouched.
 * Returns the request id.
 */
export function setForwardedHeaders(
  req: IncomingMessage,
  trusted: TrustedProxies,
  websocket = false,
): string {
  if (websocket) keepOnlyWebSocketUpgrade(req.headers);
  else dropHopByHopHeaders(req.headers);
  const peer = req.socket.remoteAddress ?? 'unknown';
  const encrypted = Boolean((req.socket as Partial<TLSSocket>).encrypted);
  const proto = websocket ? (encrypted ? 'wss' : 'ws') : encrypted ? 'https' : 'http';
  const fromTrusted = trusted.trusts(peer);
  const previousFor = fromTrusted ? first(req.headers['x-forwarded-for']) : undefined;
  const previousProto = fromTrusted ? first(req.headers['x-forwarded-proto']) : undefined;
  const previousHost = fromTrusted ? first(req.headers['x-forwarded-host']) : undefined;
  req.headers[CLIENT_ADDRESS_HEADER] = trusted.clientAddress(peer, previousFor);
  req.headers['x-forwarded-for'] = previousFor ? `${previousFor}, ${peer}` : peer;
  req.headers['x-forwarded-proto'] = previousProto ?? proto;
  req.headers['x-forwarded-host'] = previousHost ?? req.headers.host ?? '';
  const requestId = requestIdOf(req);
  req.headers['x-request-id'] = requestId;
  return requestId;
}
