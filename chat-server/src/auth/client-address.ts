import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { CLIENT_ADDRESS_HEADER, plainAddress, type TrustedProxies } from '@playlist-chat/platform';

/**
 * The client's address, for per-address limits. Behind the gateway every socket comes from the
 * gateway, which names the client in `X-Real-IP`; that header is believed only when the socket's
 * peer is a trusted proxy (CHAT_TRUSTED_PROXIES), since anyone else could write any value.
 */
export function clientAddress(request: IncomingMessage, trusted: TrustedProxies): string {
  const peer = plainAddress(request.socket.remoteAddress ?? 'unknown');
  if (!trusted.trusts(peer)) return peer;
  const named = request.headers[CLIENT_ADDRESS_HEADER];
  return typeof named === 'string' && isIP(named.trim()) !== 0 ? plainAddress(named.trim()) : peer;
}
