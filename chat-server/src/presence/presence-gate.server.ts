import { Injectable } from '@nestjs/common';
import { Clock } from '@playlist-chat/platform';
import { StompBroker } from '@playlist-chat/stomp';
import { roomTopic } from '../delivery/destinations';
import { MayChatCache } from './may-chat-cache';
import { PresenceLookup } from './presence-lookup.port';
import { PresenceGate, type ChatPermission } from './presence-gate.port';
import { RosterResync } from './roster-resync';

/** Members whose permission this instance remembers (about 100 bytes each). */
const MAX_REMEMBERED = 100_000;
/** After a failed lookup, sends are allowed without asking again for this long. */
const RETRY_LOOKUP_AFTER_MS = 5_000;

/**
 * The gate backed by the presence server (CHAT_PRESENCE=server). `maySend` reads a local
 * cache, so a send costs no request: the join lookup seeds it, `presence.changed` events
 * (PresenceRelay) keep it current, and a member never seen on this instance is looked up
 * once on their first send.
 *
 * When the presence server cannot be asked (none registered, down, slower than
 * CHAT_PRESENCE_TIMEOUT_MS), sends follow the last answer this instance had for the member,
 * and otherwise are allowed ("assumed"; asked again after a few seconds): appearing offline is
 * the member's own choice, so letting them chat harms nobody, while refusing would stop every
 * conversation whenever the presence server is away. Idle clean-up takes the opposite side:
 * an unknown answer counts as "someone is on", so no room is closed on a guess.
 *
 * The chat server asks only about rooms live here: an answer that the presence server does not
 * know the room means it lost its state, and the room is told again (RosterResync).
 */
@Injectable()
export class ServerPresenceGate extends PresenceGate {
  private readonly known = new MayChatCache(MAX_REMEMBERED);

  constructor(
    private readonly lookup: PresenceLookup,
    private readonly broker: StompBroker,
    private readonly clock: Clock,
    private readonly resync: RosterResync,
  ) {
    super();
  }

  async maySend(roomId: string, uid: string): Promise<boolean> {
    const entry = this.known.get(roomId, uid);
    if (entry && (entry.source !== 'assumed' || this.now() < (entry.retryAt ?? 0))) return entry.mayChat;
    return (await this.ask(roomId, uid)).mayChat;
  }

  checkOnJoin(roomId: string, uid: string): Promise<ChatPermission> {
    return this.ask(roomId, uid);
  }

  /** A local subscriber is enough; otherwise the presence server counts who is on, everywhere. */
  async anyoneOnline(roomId: string): Promise<boolean> {
    if (this.broker.hasSubscribers(roomTopic(roomId))) return true;
    const summary = await this.lookup.roomSummary(roomId);
    if (summary && lostTrackOf(summary)) {
      this.resync.request(roomId);
      return true; // who is on is unknown until the room is told again: close it on a later pass
    }
    if (summary) this.resync.known(roomId);
    return summary === null || summary.onCount > 0;
  }

  /** From `presence.store-reset` (PresenceRelay): the choices it answered before are gone; ask again. */
  forgetAll(): void {
    this.known.clear();
  }

  /** From `presence.changed` (PresenceRelay). */
  learn(roomId: string, uid: string, mayChat: boolean): void {
    this.known.fromEvent(roomId, uid, mayChat);
  }

  private async ask(roomId: string, uid: string): Promise<ChatPermission> {
    const stamp = this.known.stampOf(roomId, uid);
    const status = await this.lookup.memberStatus(roomId, uid);
    if (status && lostTrackOf(status)) this.resync.request(roomId);
    else if (status) this.resync.known(roomId);
    if (status) {
      return {
        mayChat: this.known.fromLookup(roomId, uid, status.mayChat, stamp),
        source: 'presence-server',
      };
    }
    const last = this.known.get(roomId, uid);
    if (last && last.source !== 'assumed') return { mayChat: last.mayChat, source: 'last-known' };
    this.known.assume(roomId, uid, this.now() + RETRY_LOOKUP_AFTER_MS);
    return { mayChat: true, source: 'assumed' };
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}

/**
 * The presence server does not know the room, or knows it only from events after its opening.
 * The chat server asks only about rooms live here, so it lost its state. `=== false`: a presence
 * server older than `rosterKnown` leaves it out, and is only asked again for a room it lost.
 */
const lostTrackOf = (answer: { roomExists: boolean; rosterKnown?: boolean }): boolean =>
  !answer.roomExists || answer.rosterKnown === false;
