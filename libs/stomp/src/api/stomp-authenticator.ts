import type { IncomingMessage } from 'node:http';

/**
 * The app's identity check (one provider, injected by this class token). Optional: without it
 * every CONNECT is accepted with principal null and the session id as user key.
 */
export abstract class StompAuthenticator<P = unknown> {
  /** Before the WebSocket upgrade: return a refusal reason (logged, HTTP 403 on the upgrade) or undefined to accept. */
  checkUpgrade?(request: IncomingMessage): string | undefined;
  /** CONNECT/STOMP headers in (already unescaped per version), principal out; throw StompError to refuse. */
  abstract authenticate(headers: Readonly<Record<string, string>>, request: IncomingMessage): Promise<P>;
  /** Key for user destinations (`/user/...`) and per-user limits, e.g. the uid. */
  abstract userKey(principal: P): string;
}
