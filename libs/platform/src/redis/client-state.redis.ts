import { AsyncResource } from 'node:async_hooks';
import type { Redis } from 'ioredis';
import { withTimeout } from '../concurrency/with-timeout';

/** How long stopping waits for a connected Redis to answer (a QUIT, a last command) before dropping it. */
export const REDIS_STOP_WAIT_MS = 2_000;

/**
 * For stopping, which must never wait on a dead Redis: `work` (commands on `client`) when
 * `client` is connected, waiting `ms` at most; a rejection at once when it is not. A client that
 * is not connected (Redis down, reconnecting, not yet connected) queues commands until a
 * reconnect that may never come, and a queued command whose client is then disconnected
 * (`disconnect()` between two reconnect attempts) never settles at all.
 */
export function whileConnected<T>(
  client: Redis,
  work: () => Promise<T>,
  ms = REDIS_STOP_WAIT_MS,
): Promise<T> {
  if (client.status !== 'ready') return Promise.reject(new Error('Redis is not connected'));
  return withTimeout(work(), ms);
}

/**
 * Closes `client`: QUIT when connected (replies to what was sent first still arrive), else, or
 * when QUIT is not answered within `ms`, the connection is just dropped. A plain `quit()` on a
 * client that is reconnecting with commands queued waits behind them until Redis is back or
 * their retries run out (tens of seconds, forever with `maxRetriesPerRequest: null`).
 */
export async function closeRedis(client: Redis, ms = REDIS_STOP_WAIT_MS): Promise<void> {
  try {
    await whileConnected(client, () => client.quit(), ms);
  } catch {
    client.disconnect();
  }
}

/**
 * PING for a readiness check: refused at once while `client` is reconnecting or closed (Redis
 * down), where a PING would wait for a reconnect until the check's own timeout (3 s), longer
 * than many probes wait for an answer. A lazy client (`lazyConnect`, not used yet) is connected
 * first, and while it first connects the PING waits as usual.
 */
export async function pingNow(client: Redis): Promise<void> {
  if (client.status === 'wait') await client.connect();
  if (client.status === 'reconnecting' || client.status === 'end' || client.status === 'close')
    throw new Error(`Redis is not connected (${client.status})`);
  await client.ping();
}

/**
 * Makes a lazy `client` connect, and reconnect, in the async context it is made in (an app's
 * start-up), not in that of whatever first uses it. ioredis connects a lazy client on its first
 * command, and the socket's events, the reconnect timers and the 'error' lines all belong to
 * that command's context: when it was a request's (a readiness probe's PING, a REST call's
 * publish), every reconnect warning for the life of the process carried that one request's `req`.
 */
export function connectingWhereMade(client: Redis): Redis {
  client.connect = AsyncResource.bind(client.connect.bind(client));
  return client;
}
