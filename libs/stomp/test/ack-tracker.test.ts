import {
  EMPTY_BODY,
  MessageTemplate,
  StompError,
  type AckMode,
  type StompVersion,
} from '@playlist-chat/stomp';
import { describe, expect, it } from 'vitest';
import { SubscriptionIndex } from '../src/routing/subscription-index';
import { AckTracker } from '../src/session/ack-tracker';
import { SessionSubscriptions } from '../src/session/session-subscriptions';
import { Subscription, type Subscriber } from '../src/session/subscription';

const notDeliveredHere: Subscriber = {
  deliver: () => {
    throw new Error('the tracker only builds frames; the session delivers them');
  },
};

/** A session's worth of ack bookkeeping, speaking `version`. */
function session(version: StompVersion, maxUnackedMessages = 100) {
  const tracker = new AckTracker(maxUnackedMessages);
  const subscriptions = new SessionSubscriptions(
    new SubscriptionIndex((error) => {
      throw error;
    }),
    10,
  );
  let published = 0;
  return {
    subscribe(id: string, ackMode: AckMode): Subscription {
      const subscription = new Subscription(
        notDeliveredHere,
        id,
        `/topic/${id}`,
        ackMode,
        version,
        undefined,
      );
      subscriptions.add(subscription);
      return subscription;
    },
    /** One new MESSAGE for `subscription`: its frame, or the refusal that ends the session. */
    deliver(subscription: Subscription): Buffer | StompError {
      const message = new MessageTemplate(subscription.destination, `m-${(published += 1)}`, { body: 'x' });
      return tracker.frameAwaitingAck(subscription, subscription.unacked!, message, version);
    },
    /** Sends one new MESSAGE on `subscription`; returns the frame's text. */
    send(subscription: Subscription): string {
      const frame = this.deliver(subscription);
      if (!Buffer.isBuffer(frame)) throw frame;
      return frame.toString();
    },
    ack(headers: Record<string, string>, command = 'ACK'): void {
      tracker.acknowledge({ command, headers, body: EMPTY_BODY }, version, subscriptions);
    },
  };
}

const ackId = (frame: string): string => /\nack:([^\n]+)\n/.exec(frame)![1];
const messageId = (frame: string): string => /\nmessage-id:([^\n]+)\n/.exec(frame)![1];

function refusal(act: () => unknown): { code: string; message: string } {
  try {
    act();
  } catch (error) {
    if (error instanceof StompError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('AckTracker', () => {
  it('STOMP 1.2: numbers MESSAGEs with ack ids unique across the session’s subscriptions', () => {
    const s = session('1.2');
    const a = s.subscribe('a', 'client-individual');
    const b = s.subscribe('b', 'client');
    const ids = [s.send(a), s.send(b), s.send(a)].map(ackId);
    expect(new Set(ids).size).toBe(3);
    expect([...a.unacked!]).toEqual([ids[0], ids[2]]);
    expect([...b.unacked!]).toEqual([ids[1]]);
  });

  it('client-individual: ACK and NACK release only the message they name', () => {
    const s = session('1.2');
    const a = s.subscribe('a', 'client-individual');
    const [first, second, third] = [s.send(a), s.send(a), s.send(a)].map(ackId);
    s.ack({ id: second });
    s.ack({ id: third }, 'NACK');
    expect([...a.unacked!]).toEqual([first]);
    expect(refusal(() => s.ack({ id: second }))).toEqual({
      code: 'unknown-ack-id',
      message: `ACK of ${second}, which is not a message awaiting acknowledgement`,
    });
  });

  it('client: an ACK releases that message and the earlier ones of its own subscription only', () => {
    const s = session('1.2');
    const a = s.subscribe('a', 'client');
    const b = s.subscribe('b', 'client');
    const a1 = ackId(s.send(a));
    const b1 = ackId(s.send(b));
    const a2 = ackId(s.send(a));
    const a3 = ackId(s.send(a));
    s.ack({ id: a2 });
    expect([...a.unacked!]).toEqual([a3]);
    expect([...b.unacked!]).toEqual([b1]);
    expect(refusal(() => s.ack({ id: a1 })).code).toBe('unknown-ack-id');
  });

  it('STOMP 1.1: keys by message-id and looks only in the subscription the ACK names', () => {
    const s = session('1.1');
    const a = s.subscribe('a', 'client-individual');
    s.subscribe('b', 'client-individual');
    const frame = s.send(a);
    expect(frame).not.toContain('\nack:');
    const id = messageId(frame);
    expect(refusal(() => s.ack({ 'message-id': id }))).toEqual({
      code: 'missing-header',
      message: 'ACK requires a subscription header',
    });
    expect(refusal(() => s.ack({ 'message-id': id, subscription: 'b' })).code).toBe('unknown-ack-id');
    expect(refusal(() => s.ack({ 'message-id': id, subscription: 'gone' })).code).toBe('unknown-ack-id');
    s.ack({ 'message-id': id, subscription: 'a' });
    expect(a.unacked!.size).toBe(0);
  });

  it('STOMP 1.0: an ACK without a subscription header is looked up in every subscription', () => {
    const s = session('1.0');
    s.subscribe('a', 'client');
    const b = s.subscribe('b', 'client');
    const id = messageId(s.send(b));
    s.ack({ 'message-id': id });
    expect(b.unacked!.size).toBe(0);
  });

  it('refuses a MESSAGE beyond the unacknowledged limit and records nothing for it', () => {
    const s = session('1.2', 2);
    const a = s.subscribe('a', 'client-individual');
    const sent = [s.send(a), s.send(a)].map(ackId);
    expect(s.deliver(a)).toMatchObject({
      code: 'too-many-unacked',
      message: 'more than 2 messages not acknowledged',
    });
    expect([...a.unacked!]).toEqual(sent);
    s.ack({ id: sent[0] });
    const next = ackId(s.send(a));
    expect([...a.unacked!]).toEqual([sent[1], next]);
  });
});
