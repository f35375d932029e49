import type { ProtocolErrorCode } from '../frame/protocol-error';

/**
 * Every `code` header value the library puts on ERROR frames (handlers add their own through
 * `StompError`). Clients may switch on these; their meaning does not change.
 */
export type StompErrorCode =
  | ProtocolErrorCode
  | 'not-connected' // a frame other than CONNECT/STOMP before CONNECT
  | 'already-connected' // a second CONNECT
  | 'connect-timeout' // no CONNECT within `connectTimeoutMs`
  | 'unsupported-version' // no version in common (the ERROR carries `version` with ours)
  | 'invalid-heart-beat'
  | 'heart-beat-timeout' // client silent for more than twice its agreed interval
  | 'unknown-command'
  | 'missing-header'
  | 'invalid-header'
  | 'header-too-long' // an identifier header (receipt, id, transaction, ack) over `maxIdHeaderBytes`
  | 'unknown-destination' // no handler for a SEND, no authorizer for a SUBSCRIBE
  | 'duplicate-subscription'
  | 'unknown-subscription'
  | 'too-many-subscriptions'
  | 'unknown-ack-id'
  | 'too-many-unacked'
  | 'unknown-transaction'
  | 'duplicate-transaction'
  | 'too-many-transactions'
  | 'transaction-too-large'
  | 'slow-consumer' // socket buffer over `maxBufferedBytes`, or not going down for `drainTimeoutMs`
  | 'too-many-queued-frames' // more than `maxQueuedFrames` parsed frames waiting to be handled
  | 'server-shutting-down'
  | 'closed' // `StompSession.close(reason)`
  | 'invalid-json' // `SendContext.json()` on a body that is not JSON (or not UTF-8)
  | 'internal-error'; // a handler threw something other than StompError
