/**
 * Per-connection limits. Every one is enforced while bytes arrive, so a client can never make
 * the server buffer more than about `maxFrameBytes` of unparsed input or `maxBufferedBytes` of
 * unsent output. Over a limit: ERROR frame naming the limit, then the connection closes.
 */
export interface StompLimits {
  /** Whole frame: command, headers and body (default 64 KiB). */
  maxFrameBytes: number;
  /** Header lines per frame (default 32). */
  maxHeaders: number;
  /** One header line, and the command line (default 4 KiB). */
  maxHeaderLineBytes: number;
  /** Body (default 64 KiB). */
  maxBodyBytes: number;
  /**
   * Socket `bufferedAmount` above which the session is dropped as a slow consumer (default 4 MiB).
   * Every frame the server writes counts (MESSAGE, RECEIPT, heart-beats alike), and inbound
   * frames stop being read while output waits above half of it.
   */
  maxBufferedBytes: number;
  /**
   * How long unsent output may stay above half of `maxBufferedBytes` without going down while
   * the server waits for it (reading paused, or a replay paced to the client) before the session
   * is dropped as a slow consumer (default 30000).
   */
  drainTimeoutMs: number;
  /**
   * Frames parsed but not yet handled (default 1024, at least 32). Reading pauses at 32, but the
   * WebSocket messages already read are parsed whole (one may hold ~37,000 frames): past this, ERROR.
   */
  maxQueuedFrames: number;
  /**
   * Identifier headers a client chooses (`receipt`, `id`, `transaction`, `ack`): longest value
   * (default 128). They are echoed back or kept per session, so their size is bounded too.
   */
  maxIdHeaderBytes: number;
  /** Subscriptions one session may hold (default 256). */
  maxSubscriptionsPerSession: number;
  /** No CONNECT within this → ERROR + close (default 10000). */
  connectTimeoutMs: number;
  /** Frames one transaction may hold until COMMIT/ABORT (default 256). */
  maxTransactionFrames: number;
  /** Open transactions per session (default 16). */
  maxTransactions: number;
  /** Bytes (bodies and headers) held by all of a session's open transactions together (default 1 MiB). */
  maxTransactionBytes: number;
  /** MESSAGEs not yet ACKed or NACKed, per `client`/`client-individual` subscription (default 1024). */
  maxUnackedMessages: number;
  /**
   * Live messages held for one subscription while its `@OnSubscribe` handler runs and its replay
   * is sent (default 10000).
   */
  maxHeldMessages: number;
}

export const DEFAULT_LIMITS: Readonly<StompLimits> = Object.freeze({
  maxFrameBytes: 64 * 1024,
  maxHeaders: 32,
  maxHeaderLineBytes: 4 * 1024,
  maxBodyBytes: 64 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  drainTimeoutMs: 30_000,
  maxQueuedFrames: 1024,
  maxIdHeaderBytes: 128,
  maxSubscriptionsPerSession: 256,
  connectTimeoutMs: 10_000,
  maxTransactionFrames: 256,
  maxTransactions: 16,
  maxTransactionBytes: 1024 * 1024,
  maxUnackedMessages: 1024,
  maxHeldMessages: 10_000,
});

/** Defaults overlaid with `partial`; throws on a value that is not a positive integer. */
export function resolveLimits(partial: Partial<StompLimits> = {}): StompLimits {
  const limits = { ...DEFAULT_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`STOMP limit ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  // The inbound queue pauses reading at 32 and checks this limit from there on.
  if (limits.maxQueuedFrames < 32) {
    throw new Error(`STOMP limit maxQueuedFrames must be at least 32, got ${limits.maxQueuedFrames}`);
  }
  return limits;
}
