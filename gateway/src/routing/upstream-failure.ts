import type { EjectionReason, ForwardingFailure, ForwardingMetrics } from './forwarding-metrics';
import type { InstancePool } from './instance-pool';

/** Error codes for a connection to the instance that was never made: it cannot have seen the request. */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/**
 * The instance took the connection and sent no answer headers in time (GATEWAY_PROXY_TIMEOUT_MS,
 * or GATEWAY_UPGRADE_TIMEOUT_MS for a WebSocket upgrade: httpxy's code): a stuck event loop, a
 * hung process.
 */
const NO_ANSWER = new Set(['UND_ERR_HEADERS_TIMEOUT', 'ERR_UPSTREAM_UPGRADE_TIMEOUT']);
/** The answer started, then stalled: the instance was alive and answering, so it stays in the pool. */
const STALLED = new Set(['UND_ERR_BODY_TIMEOUT']);

/** What one failed attempt to forward a request or a WebSocket upgrade to an instance says about that instance. */
export interface UpstreamFailure {
  readonly reason: ForwardingFailure;
  /** The connection to the instance was never made, so it cannot have seen the request. */
  readonly connectFailed: boolean;
  readonly timedOut: boolean;
  /**
   * Set when the instance is to be set aside for GATEWAY_EJECT_MS: it could not be reached, or
   * it hung. Without it, requests kept meeting it first (with two instances and a retry, every
   * one), and it drew every new WebSocket (it holds the fewest), until the registry's health
   * check caught up.
   */
  readonly ejection: EjectionReason | undefined;
}

/** The one classification of forwarding failures, REST and WebSocket alike. */
export function classifyFailure(error: Error): UpstreamFailure {
  const code = errorCode(error);
  if (CONNECT_FAILURES.has(code))
    return { reason: 'unreachable', connectFailed: true, timedOut: false, ejection: 'unreachable' };
  if (NO_ANSWER.has(code))
    return { reason: 'timeout', connectFailed: false, timedOut: true, ejection: 'timeout' };
  if (STALLED.has(code))
    return { reason: 'timeout', connectFailed: false, timedOut: true, ejection: undefined };
  return { reason: 'error', connectFailed: false, timedOut: false, ejection: undefined };
}

/** Counts a failed attempt on `instanceId`, and sets the instance aside when the failure says so. */
export function noteFailure(
  pool: InstancePool,
  metrics: ForwardingMetrics,
  instanceId: string,
  failure: UpstreamFailure,
): void {
  metrics.failed(pool.service, failure.reason);
  if (failure.ejection) {
    pool.eject(instanceId);
    metrics.ejected(pool.service, failure.ejection);
  }
}

/** An error's code; a connection tried on several addresses fails with each one's error inside. */
function errorCode(error: Error): string {
  const own = (error as NodeJS.ErrnoException).code;
  if (own) return own;
  const inner: unknown = error instanceof AggregateError ? error.errors[0] : undefined;
  return inner instanceof Error ? ((inner as NodeJS.ErrnoException).code ?? '') : '';
}
