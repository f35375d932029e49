import type { OutboundMessage } from './outbound-message';
import type { StompSession } from './stomp-session';

/** A SEND frame routed to an `@OnSend` handler. */
export interface SendContext<P = unknown> {
  readonly session: StompSession<P>;
  readonly destination: string;
  /** From `{param}` segments of the matched pattern. */
  readonly params: Record<string, string>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The body as UTF-8; throws `StompError('malformed-frame', …)` when it is not valid UTF-8. */
  text(): string;
  /** The body parsed as JSON; throws `StompError('invalid-json', …)` when it is not (invalid UTF-8 included). */
  json<T = unknown>(): T;
  /** What the route's validator returned (the parsed payload); undefined without a validator. */
  readonly payload: unknown;
}

/** A SUBSCRIBE frame routed to an `@OnSubscribe` authorizer. Throw to refuse. */
export interface SubscribeContext<P = unknown> {
  readonly session: StompSession<P>;
  readonly destination: string;
  readonly params: Record<string, string>;
  /** All SUBSCRIBE headers, e.g. `last-message-id`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly subscriptionId: string;
}

/**
 * An UNSUBSCRIBE of a subscription whose destination matches an `@OnUnsubscribe` pattern. The
 * subscription is already gone when the handler runs (nothing more is delivered to it, and
 * `StompBroker.hasSubscribers` no longer counts it). Only an explicit UNSUBSCRIBE frame leads
 * here: subscriptions that end with their session are reported by `@OnDisconnect` alone.
 */
export interface UnsubscribeContext<P = unknown> {
  readonly session: StompSession<P>;
  /** The destination the subscription was made to (UNSUBSCRIBE itself names only the id). */
  readonly destination: string;
  readonly params: Record<string, string>;
  /** The UNSUBSCRIBE frame's headers. */
  readonly headers: Readonly<Record<string, string>>;
  readonly subscriptionId: string;
}

export interface SubscribeResult {
  /**
   * Sent to this subscription, in order, before any live message; live messages published
   * while the handler ran (or the replay was sent) are held and sent after the replay, except
   * those whose `sequence` is <= the last replayed `sequence` (so no gap and no duplicate).
   * Sent as fast as the client reads, so it may be larger than `maxBufferedBytes`.
   */
  replay?: OutboundMessage[];
}

export type SendHandler<P = unknown> = (ctx: SendContext<P>) => unknown;
/**
 * Checks a SEND without doing its work (throw a `StompError` to refuse; may be async) and
 * returns its parsed payload, which the handler gets as `ctx.payload`. Runs before the handler,
 * and for a transaction's SENDs before COMMIT runs any of them (once: the run reuses its
 * payload), so what it refuses refuses the COMMIT whole; what only the handler refuses fails
 * while the COMMIT runs, after the frames before it. From `@OnSend`, `this` is the controller.
 */
export type SendValidator<P = unknown> = (ctx: SendContext<P>) => unknown;
export type SubscribeHandler<P = unknown> = (
  ctx: SubscribeContext<P>,
) => void | SubscribeResult | Promise<void | SubscribeResult>;
export type UnsubscribeHandler<P = unknown> = (ctx: UnsubscribeContext<P>) => unknown;
export type SessionHook<P = unknown> = (session: StompSession<P>) => unknown;
