import type { StompVersion } from '../frame/frame';
import { encodeMessagePrefix, type MessageTarget, type MessageTemplate } from '../frame/message-template';

export type AckMode = 'auto' | 'client' | 'client-individual';
export const ACK_MODES: readonly AckMode[] = ['auto', 'client', 'client-individual'];

/** What a subscription needs from its session to receive messages. */
export interface Subscriber {
  deliver(subscription: Subscription, message: MessageTemplate, now: number): void;
}

/** One SUBSCRIBE of one session. */
export class Subscription implements MessageTarget {
  readonly messagePrefix: Buffer;
  readonly prefixKey: string;
  /** Live messages held while the `@OnSubscribe` handler runs; undefined once live. */
  held: MessageTemplate[] | undefined;
  /**
   * The last replayed `sequence`, until a live message with a later one arrives: a live copy of
   * a replayed message that comes only after the replay (it was committed before the store was
   * read, but published after) is dropped too. Cleared by the first later message, so the
   * fan-out pays one comparison, and only just after a replay.
   */
  replayedUpTo: string | undefined;
  /** Ack keys of MESSAGEs not yet ACKed/NACKed, oldest first (client ack modes only). */
  readonly unacked: Set<string> | undefined;

  constructor(
    readonly subscriber: Subscriber,
    readonly id: string,
    readonly destination: string,
    readonly ackMode: AckMode,
    readonly version: StompVersion,
    /** Set for `/user/...` destinations: the owner's user key. */
    readonly userKey: string | undefined,
  ) {
    this.messagePrefix = encodeMessagePrefix(id, version);
    this.prefixKey = `${version}\n${id}`;
    this.unacked = ackMode === 'auto' ? undefined : new Set();
  }
}
