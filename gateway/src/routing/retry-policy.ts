/** Methods that mean the same when sent twice (RFC 9110 §9.2.2): safe to try on another instance after any failure. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export interface AttemptFailure {
  readonly error: Error;
  /** The connection to the instance was never made, so it cannot have seen the request. */
  readonly connectFailed: boolean;
  readonly timedOut: boolean;
}

/** A retry must neither run a request twice nor splice two responses: only before any response byte left. */
export function mayRetry(
  method: string | undefined,
  failure: AttemptFailure,
  responseStarted: boolean,
): boolean {
  if (responseStarted) return false;
  return failure.connectFailed || IDEMPOTENT.has((method ?? 'GET').toUpperCase());
}

/** Status the client gets when no attempt produced a response. */
export function statusForFailure(failure: AttemptFailure): 502 | 504 {
  return failure.timedOut ? 504 : 502;
}
