import type { IncomingMessage } from 'node:http';

/**
 * The client's address. Behind the gateway every socket comes from the gateway, so with
 * `trustProxy` the last X-Forwarded-For hop (the one our gateway appended) is used instead.
 */
export function clientAddress(request: IncomingMessage, trustProxy: boolean): string {
  const forwarded = request.headers['x-forwarded-for'];
  const header = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  const hops =
    trustProxy && header
      ? header
          .split(',')
          .map((hop) => hop.trim())
          .filter(Boolean)
      : [];
  const address = hops.at(-1) ?? request.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
