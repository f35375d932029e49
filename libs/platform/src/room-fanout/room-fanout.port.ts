/**
 * Cross-instance broadcast of ready-to-deliver payloads on named channels
 * (`room:{roomId}`, `user:{uid}`). Each chat-server instance subscribes to the channels
 * it has local STOMP subscribers for, and hands what arrives to its local sessions.
 *
 * Guarantees: at-most-once and fire-and-forget (durability lives in the MessageStore and
 * EventBus; a client that missed something replays from the store). Messages published by
 * one instance on one channel arrive at every subscribed instance in publish order,
 * including the publishing instance itself when it is subscribed.
 */
export type FanoutHandler = (channel: string, payload: string) => void;

export abstract class RoomFanout {
  abstract publish(channel: string, payload: string): Promise<void>;

  /** Starts receiving a channel on this instance; resolves once messages published after it are received. Reference-counted. */
  abstract subscribe(channel: string): Promise<void>;

  /** Undoes one `subscribe`; the channel stops once every subscribe was undone. */
  abstract unsubscribe(channel: string): Promise<void>;

  /** The one handler of this instance for every subscribed channel. */
  abstract onMessage(handler: FanoutHandler): void;

  /**
   * Called when this instance was cut off from the fan-out and receives its channels again:
   * what was published meanwhile may be lost, so the caller catches up from its store. The
   * in-process fan-out is never cut off.
   */
  onResumed(handler: () => void): void {
    void handler;
  }

  abstract close(): Promise<void>;

  /** Resolves while the fan-out is reachable (readiness); the in-process one always is. */
  async ping(): Promise<void> {}
}

export const roomChannel = (roomId: string): string => `room:${roomId}`;
export const userChannel = (uid: string): string => `user:${uid}`;
