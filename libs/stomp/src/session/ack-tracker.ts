import type { StompFrame, StompVersion } from '../frame/frame';
import type { MessageTemplate } from '../frame/message-template';
import { Refusal, requireHeader } from './refusal';
import type { SessionSubscriptions } from './session-subscriptions';
import type { Subscription } from './subscription';

/**
 * ACK/NACK bookkeeping of one session. MESSAGEs sent on `client` and `client-individual`
 * subscriptions are recorded in the subscription's `unacked` set (oldest first) under their ack
 * key — a session-wide `ack` id in STOMP 1.2, the `message-id` in 1.0/1.1 — until an ACK or NACK
 * releases them.
 */
export class AckTracker {
  private lastAckId = 0;

  constructor(private readonly maxUnackedMessages: number) {}

  /**
   * The MESSAGE frame for a client-ack subscription (`unacked` is its set), recorded as awaiting
   * acknowledgement; or, once the subscription has the most allowed waiting, the
   * `too-many-unacked` refusal the session must end with. Returned, not thrown: this runs on
   * the fan-out path, outside any frame's error handling.
   */
  frameAwaitingAck(
    subscription: Subscription,
    unacked: Set<string>,
    message: MessageTemplate,
    version: StompVersion,
  ): Buffer | Refusal {
    if (unacked.size >= this.maxUnackedMessages) {
      return new Refusal(
        'too-many-unacked',
        `more than ${this.maxUnackedMessages} messages not acknowledged`,
      );
    }
    if (version === '1.2') {
      const ackId = String((this.lastAckId += 1));
      unacked.add(ackId);
      return message.frameWithAck(subscription, ackId);
    }
    unacked.add(message.messageId); // 1.0/1.1 clients acknowledge by message-id
    return message.frameFor(subscription);
  }

  /**
   * Releases what an ACK or NACK names: in `client` mode that message and every earlier one of
   * its subscription (cumulative), in `client-individual` mode that message alone. A NACKed
   * message is not redelivered (live fan-out keeps no copies). Refuses (`unknown-ack-id`) a
   * key that awaits no acknowledgement.
   */
  acknowledge(frame: StompFrame, version: StompVersion, subscriptions: SessionSubscriptions): void {
    const key = ackKey(frame, version);
    const subscription = this.holder(frame, key, version, subscriptions, undefined);
    const unacked = subscription.unacked!;
    if (subscription.ackMode === 'client') {
      for (const pending of unacked) {
        unacked.delete(pending);
        if (pending === key) break;
      }
    } else {
      unacked.delete(key);
    }
  }

  /**
   * COMMIT's dry run of an ACK or NACK held in a transaction: refuses it as `acknowledge` would
   * if the transaction's earlier ACK/NACKs had run (what they release is recorded in `released`),
   * and releases nothing itself.
   */
  check(
    frame: StompFrame,
    version: StompVersion,
    subscriptions: SessionSubscriptions,
    released: AckDryRun,
  ): void {
    const key = ackKey(frame, version);
    const subscription = this.holder(frame, key, version, subscriptions, released);
    let done = released.get(subscription);
    if (!done) released.set(subscription, (done = new Set()));
    if (subscription.ackMode === 'client') {
      for (const pending of subscription.unacked!) {
        done.add(pending);
        if (pending === key) break;
      }
    } else {
      done.add(key);
    }
  }

  /** The subscription whose message `key` awaits acknowledgement (and is not in `released`). */
  private holder(
    frame: StompFrame,
    key: string,
    version: StompVersion,
    subscriptions: SessionSubscriptions,
    released: AckDryRun | undefined,
  ): Subscription {
    let candidates: Iterable<Subscription>;
    if (version === '1.2') {
      candidates = subscriptions.values();
    } else {
      const subscriptionId =
        version === '1.1' ? requireHeader(frame, 'subscription') : frame.headers.subscription;
      const one = subscriptionId === undefined ? undefined : subscriptions.get(subscriptionId);
      candidates = subscriptionId === undefined ? subscriptions.values() : one ? [one] : [];
    }
    for (const subscription of candidates) {
      if (subscription.unacked?.has(key) && !released?.get(subscription)?.has(key)) return subscription;
    }
    throw new Refusal(
      'unknown-ack-id',
      `${frame.command} of ${key}, which is not a message awaiting acknowledgement`,
    );
  }
}

/** Keys a COMMIT's earlier ACK/NACKs would release, per subscription (see `AckTracker.check`). */
export type AckDryRun = Map<Subscription, Set<string>>;

/** What an ACK/NACK names: the `id` (the MESSAGE's `ack`) in STOMP 1.2, the `message-id` before. */
function ackKey(frame: StompFrame, version: StompVersion): string {
  return requireHeader(frame, version === '1.2' ? 'id' : 'message-id');
}
