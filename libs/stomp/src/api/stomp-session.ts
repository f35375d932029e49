import type { StompVersion } from '../frame/frame';
import type { StompError } from './stomp-error';

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
  /** Closes with an ERROR frame carrying `error`'s code and message (e.g. the app's `token-expired`). */
  end(error: StompError): void;
  /**
   * Ends this session's subscriptions to `destination` (the right to receive it was withdrawn,
   * e.g. the user left a room for good): nothing more is delivered to them, without any frame
   * and without running `@OnUnsubscribe`. The session stays open. Returns how many ended.
   */
  endSubscriptions(destination: string): number;
}
