import type { IncomingMessage } from 'node:http';

/** An upgrade refused with a status of the app's choosing (421 for an unknown Host) and a JSON body. */
export interface UpgradeRefusal {
  /** Logged. */
  readonly reason: string;
  readonly status: number;
  /** Sent as `application/json`. */
  readonly body: object;
}

/**
 * The app's identity check (one provider, injected by this class token). Optional: without it
 * every CONNECT is accepted with principal null and the session id as user key.
 */
export abstract class StompAuthenticator<P = unknown> {
  /**
   * Before the WebSocket upgrade: return a refusal (logged; a reason alone is HTTP 403 on the
   * upgrade, an `UpgradeRefusal` its own status and JSON body) or undefined to accept.
   */
  checkUpgrade?(request: IncomingMessage): string | UpgradeRefusal | undefined;
  /** CONNECT/STOMP headers in (already unescaped per version), principal out; throw StompError to refuse. */
  abstract authenticate(headers: Readonly<Record<string, string>>, request: IncomingMessage): Promise<P>;
  /** Key for user destinations (`/user/...`) and per-user limits, e.g. the uid. */
  abstract userKey(principal: P): string;
}
