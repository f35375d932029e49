import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** Same rule as the services' logging (`requestId` in @playlist-chat/platform): short plain tokens only. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The request id a client sent, when it is a sane token, or a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The client's address: the socket peer, or the first X-Forwarded-For hop when a trusted proxy is in front. */
export function clientAddressOf(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = first(req.headers['x-forwarded-for'])?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * Sets what an instance needs to know about the original request, on the request headers the
 * proxy copies: X-Forwarded-For/Proto/Host (a client's own values are kept only behind a trusted
 * proxy, and then our hop is appended), `x-request-id` (generated when absent). `traceparent`
 * and `tracestate` pass through untouched. Returns the request id.
 */
export function setForwardedHeaders(req: IncomingMessage, trustProxy: boolean, websocket = false): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  const encrypted = Boolean((req.socket as Partial<TLSSocket>).encrypted);
  const proto = websocket ? (encrypted ? 'wss' : 'ws') : encrypted ? 'https' : 'http';
  const previousFor = trustProxy ? first(req.headers['x-forwarded-for']) : undefined;
  const previousProto = trustProxy ? first(req.headers['x-forwarded-proto']) : undefined;
  const previousHost = trustProxy ? first(req.headers['x-forwarded-host']) : undefined;
  req.headers['x-forwarded-for'] = previousFor ? `${previousFor}, ${peer}` : peer;
  req.headers['x-forwarded-proto'] = previousProto ?? proto;
  req.headers['x-forwarded-host'] = previousHost ?? req.headers.host ?? '';
  const requestId = requestIdOf(req);
  req.headers['x-request-id'] = requestId;
  return requestId;
}
