import type { StompConnection } from '../session/stomp-connection';

/** Connected sessions (CONNECTED sent, socket not yet closed), also by user key. */
export class SessionRegistry {
  private readonly sessions = new Set<StompConnection>();
  private readonly byUser = new Map<string, Set<StompConnection>>();

  add(session: StompConnection): void {
    this.sessions.add(session);
    let set = this.byUser.get(session.userKey);
    if (!set) this.byUser.set(session.userKey, (set = new Set()));
    set.add(session);
  }

  remove(session: StompConnection): void {
    if (!this.sessions.delete(session)) return;
    const set = this.byUser.get(session.userKey);
    set?.delete(session);
    if (set?.size === 0) this.byUser.delete(session.userKey);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Subscriptions of all connected sessions (read at scrape time: one pass over the sessions). */
  subscriptionCount(): number {
    let count = 0;
    for (const session of this.sessions) count += session.subscriptionCount;
    return count;
  }

  ofUser(userKey: string): StompConnection[] {
    return [...(this.byUser.get(userKey) ?? [])];
  }
}
