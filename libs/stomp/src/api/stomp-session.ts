import type { StompVersion } from '../frame/frame';

/** One connected STOMP client, as handlers see it. */
export interface StompSession<P = unknown> {
  readonly id: string;
  /** What `StompAuthenticator.authenticate` returned (null without an authenticator). */
  readonly principal: P;
  /** `StompAuthenticator.userKey(principal)`; without an authenticator, the session id. */
  readonly userKey: string;
  readonly remoteAddress: string;
  readonly version: StompVersion;
  readonly connectedAt: Date;
  /** Closes with an ERROR frame (`code:closed`, `message:<reason>`). */
  close(reason: string): void;
}
