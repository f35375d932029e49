import type { Identity } from '@playlist-chat/platform';

/** Who a STOMP session belongs to, fixed at CONNECT. */
export interface ChatPrincipal {
  readonly identity: Identity;
  /** Client address used for the per-address connection cap. */
  readonly address: string;
  /** When the session's token stops being accepted (epoch seconds: `exp` plus the clock tolerance); the session ends then. */
  readonly validUntil: number;
}
