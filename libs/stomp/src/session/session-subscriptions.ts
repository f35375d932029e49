import type { SubscriptionIndex } from '../routing/subscription-index';
import { Refusal } from './refusal';
import type { Subscription } from './subscription';

/**
 * The subscriptions of one session by id, kept in step with the server's `SubscriptionIndex`:
 * a subscription is reachable by `publish` exactly while it is here.
 */
export class SessionSubscriptions {
  private readonly byId = new Map<string, Subscription>();

  constructor(
    private readonly index: SubscriptionIndex,
    private readonly maxPerSession: number,
  ) {}

  /** Including those whose `@OnSubscribe` handler is still running. */
  get size(): number {
    return this.byId.size;
  }

  get(id: string): Subscription | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<Subscription> {
    return this.byId.values();
  }

  /** Refuses an id already in use on this session, and one subscription more than allowed. */
  checkCanAdd(id: string): void {
    if (this.byId.has(id))
      throw new Refusal(
        'duplicate-subscription',
        `subscription id ${id} is already in use on this connection`,
      );
    if (this.byId.size >= this.maxPerSession) {
      throw new Refusal('too-many-subscriptions', `more than ${this.maxPerSession} subscriptions`);
    }
  }

  add(subscription: Subscription): void {
    this.byId.set(subscription.id, subscription);
    this.index.add(subscription);
  }

  remove(subscription: Subscription): void {
    this.byId.delete(subscription.id);
    this.index.remove(subscription);
  }

  /** Removes them all from the index at once, so idle listeners see the session's end. */
  clear(): void {
    for (const subscription of this.byId.values()) this.index.remove(subscription);
    this.byId.clear();
  }
}
