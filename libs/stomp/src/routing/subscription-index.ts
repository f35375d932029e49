import type { Subscription } from '../session/subscription';

type DestinationListener = (destination: string) => void;

/**
 * Local subscriptions by destination, and `/user/...` subscriptions by user key then
 * destination (those are never reachable through `publish`, only through `sendToUser`).
 * Tells listeners when a destination gets its first local subscription and loses its last.
 */
export class SubscriptionIndex {
  private readonly byDestination = new Map<string, Set<Subscription>>();
  private readonly byUser = new Map<string, Map<string, Set<Subscription>>>();
  private readonly activeListeners: DestinationListener[] = [];
  private readonly idleListeners: DestinationListener[] = [];

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  onActive(listener: DestinationListener): void {
    this.activeListeners.push(listener);
  }

  onIdle(listener: DestinationListener): void {
    this.idleListeners.push(listener);
  }

  add(subscription: Subscription): void {
    if (subscription.userKey !== undefined) {
      let destinations = this.byUser.get(subscription.userKey);
      if (!destinations)
        this.byUser.set(subscription.userKey, (destinations = new Map<string, Set<Subscription>>()));
      let set = destinations.get(subscription.destination);
      if (!set) destinations.set(subscription.destination, (set = new Set()));
      set.add(subscription);
      return;
    }
    let set = this.byDestination.get(subscription.destination);
    if (!set) {
      this.byDestination.set(subscription.destination, (set = new Set()));
      set.add(subscription);
      this.notify(this.activeListeners, subscription.destination);
      return;
    }
    set.add(subscription);
  }

  remove(subscription: Subscription): void {
    if (subscription.userKey !== undefined) {
      const destinations = this.byUser.get(subscription.userKey);
      const set = destinations?.get(subscription.destination);
      if (!destinations || !set?.delete(subscription)) return;
      if (set.size === 0) destinations.delete(subscription.destination);
      if (destinations.size === 0) this.byUser.delete(subscription.userKey);
      return;
    }
    const set = this.byDestination.get(subscription.destination);
    if (!set?.delete(subscription)) return;
    if (set.size === 0) {
      this.byDestination.delete(subscription.destination);
      this.notify(this.idleListeners, subscription.destination);
    }
  }

  subscribers(destination: string): ReadonlySet<Subscription> | undefined {
    return this.byDestination.get(destination);
  }

  userSubscribers(userKey: string, destination: string): ReadonlySet<Subscription> | undefined {
    return this.byUser.get(userKey)?.get(destination);
  }

  /** Destinations with at least one local subscription (user destinations excluded). */
  destinations(): string[] {
    return [...this.byDestination.keys()];
  }

  private notify(listeners: DestinationListener[], destination: string): void {
    for (const listener of listeners) {
      try {
        listener(destination);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
