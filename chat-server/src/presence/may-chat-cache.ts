import { RecentMap } from '@playlist-chat/platform';
import type { ChatPermissionSource } from './presence-gate.port';

interface Entry {
  readonly mayChat: boolean;
  readonly source: Exclude<ChatPermissionSource, 'last-known' | 'no-presence'>;
  /** Stamp of the last event written for this member: a lookup started before it must not overwrite it. */
  readonly stamp: number;
  /** `assumed` entries only: when to ask the presence server again. */
  readonly retryAt?: number;
}

export type KnownPermission = Entry;

/**
 * This instance's `(roomId, uid) → mayChat`, written by `presence.changed` events and by
 * lookups. Events are the newer truth: a lookup's answer is kept only if no event for the
 * member arrived while it was in flight (`stampOf` before asking, `fromLookup` after).
 * Bounded: beyond `maxEntries` the least recently written entries go, and are looked up
 * again when needed.
 */
export class MayChatCache {
  private readonly entries: RecentMap<string, Entry>;
  private stamps = 0;

  constructor(maxEntries: number) {
    this.entries = new RecentMap(maxEntries);
  }

  get(roomId: string, uid: string): KnownPermission | undefined {
    return this.entries.get(keyOf(roomId, uid));
  }

  stampOf(roomId: string, uid: string): number {
    return this.get(roomId, uid)?.stamp ?? 0;
  }

  fromEvent(roomId: string, uid: string, mayChat: boolean): void {
    this.stamps += 1;
    this.entries.set(keyOf(roomId, uid), { mayChat, source: 'presence-server', stamp: this.stamps });
  }

  /** Keeps the answer unless an event was written since `stamp`; returns what is known now. */
  fromLookup(roomId: string, uid: string, mayChat: boolean, stamp: number): boolean {
    if (this.stampOf(roomId, uid) !== stamp) return this.get(roomId, uid)?.mayChat ?? mayChat;
    this.entries.set(keyOf(roomId, uid), { mayChat, source: 'presence-server', stamp });
    return mayChat;
  }

  /** The presence server lost every choice: nothing known here holds any more. */
  clear(): void {
    this.entries.clear();
  }

  /** Nothing is known and the presence server could not be asked: allow, and ask again after `retryAt`. */
  assume(roomId: string, uid: string, retryAt: number): void {
    const key = keyOf(roomId, uid);
    const current = this.entries.get(key);
    if (current && current.source !== 'assumed') return;
    this.entries.set(key, { mayChat: true, source: 'assumed', stamp: current?.stamp ?? 0, retryAt });
  }
}

const keyOf = (roomId: string, uid: string): string => `${roomId}\u0000${uid}`;
