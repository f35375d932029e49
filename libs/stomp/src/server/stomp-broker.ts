import { randomBytes } from 'node:crypto';
import type { OutboundMessage } from '../api/outbound-message';
import type { StompSession } from '../api/stomp-session';
import { MessageTemplate } from '../frame/message-template';
import type { SubscriptionIndex } from '../routing/subscription-index';
import type { Subscription } from '../session/subscription';
import { FrameCounts } from './frame-counts';
import type { SessionRegistry } from './session-registry';

/** Unique MESSAGE ids: a random per-process prefix and a counter. */
export class MessageIds {
  private readonly prefix = `${randomBytes(4).toString('hex')}-`;
  private counter = 0;

  next(): string {
    this.counter += 1;
    return this.prefix + this.counter.toString(36);
  }
}

/**
 * Sends MESSAGE frames to this process's sessions. Injectable in Nest apps by this class.
 *
 * Guarantees: one `publish` encodes the message once and delivers it to each matching
 * subscription, in subscription order, before returning (messages published one after the
 * other reach every subscriber in that order). Subscribers over the socket buffer limit are
 * dropped, not waited for. Nothing is delivered across processes: use `onDestinationActive` /
 * `onDestinationIdle` to follow which destinations this process needs from a cluster-wide bus.
 */
export class StompBroker {
  constructor(
    private readonly index: SubscriptionIndex,
    private readonly sessions: SessionRegistry,
    private readonly ids: MessageIds,
    /** Frames in and out by command, for the app's metrics. */
    readonly frames: FrameCounts = new FrameCounts(),
  ) {}

  /** Delivers to every local subscription of `destination`; returns how many. Body bytes are encoded once. */
  publish(destination: string, message: OutboundMessage): number {
    const subscriptions = this.index.subscribers(destination);
    if (subscriptions === undefined) return 0;
    return this.deliver(subscriptions, destination, message);
  }

  /**
   * Delivers to `destination` subscriptions of every local session of that user (e.g. '/user/queue/events').
   * A destination without the `/user` prefix gets it (`/queue/events` → `/user/queue/events`).
   */
  sendToUser(userKey: string, destination: string, message: OutboundMessage): number {
    const userDestination = destination.startsWith('/user/')
      ? destination
      : `/user${destination.startsWith('/') ? '' : '/'}${destination}`;
    const subscriptions = this.index.userSubscribers(userKey, userDestination);
    if (subscriptions === undefined) return 0;
    return this.deliver(subscriptions, userDestination, message);
  }

  hasSubscribers(destination: string): boolean {
    return this.index.subscribers(destination) !== undefined;
  }

  /** Destinations with at least one local subscription. */
  activeDestinations(): string[] {
    return this.index.destinations();
  }

  sessionCount(): number {
    return this.sessions.size;
  }

  /** Subscriptions of the connected sessions of this process. */
  subscriptionCount(): number {
    return this.sessions.subscriptionCount();
  }

  sessionsOfUser(userKey: string): StompSession<unknown>[] {
    return this.sessions.ofUser(userKey);
  }

  /** Ends every local subscription of `userKey` to `destination` (see `StompSession.endSubscriptions`). */
  endSubscriptions(userKey: string, destination: string): number {
    let ended = 0;
    for (const session of this.sessions.ofUser(userKey)) ended += session.endSubscriptions(destination);
    return ended;
  }

  /** First local subscription to a destination appears: hook for cross-instance fan-out. Called synchronously. */
  onDestinationActive(listener: (destination: string) => void): void {
    this.index.onActive(listener);
  }

  /** Last local subscription to a destination goes. Called synchronously. */
  onDestinationIdle(listener: (destination: string) => void): void {
    this.index.onIdle(listener);
  }

  private deliver(
    subscriptions: ReadonlySet<Subscription>,
    destination: string,
    message: OutboundMessage,
  ): number {
    const template = new MessageTemplate(destination, this.ids.next(), message, message.sequence);
    const now = Date.now();
    let count = 0;
    for (const subscription of subscriptions) {
      subscription.subscriber.deliver(subscription, template, now);
      count += 1;
    }
    return count;
  }
}
