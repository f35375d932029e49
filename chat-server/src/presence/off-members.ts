import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock, RecentMap } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import { ChatEvents } from '../domain-events/chat-events';
import { PresenceLookup } from './presence-lookup.port';

/** Rooms whose list this instance keeps (a list is a few uids per member who is off). */
const MAX_ROOMS = 10_000;

interface Entry {
  readonly list: Promise<string[] | null>;
  readonly askedAt: number;
}

/**
 * Each room's members who are off, for the push hand-off. Asking the presence server for every
 * line made a line's cost grow with the room (one HTTP request, the whole list in JSON): a list
 * is reused for CHAT_PUSH_OFF_LIST_TTL_MS, lines arriving together share one request, and a
 * `presence.changed` of the room (PresenceRelay) forgets it at once, so a member who comes back
 * on gets no push for the next line; so does a member's exit. A failed lookup is not kept.
 */
@Injectable()
export class OffMembers implements OnModuleInit {
  private readonly rooms = new RecentMap<string, Entry>(MAX_ROOMS);

  constructor(
    private readonly lookup: PresenceLookup,
    private readonly config: ChatConfig,
    private readonly clock: Clock,
    private readonly events: ChatEvents,
  ) {}

  onModuleInit(): void {
    this.events.on('member.exited', ({ roomId }) => this.forget(roomId));
    this.events.on('room.closed', ({ roomId }) => this.forget(roomId));
  }

  of(roomId: string): Promise<string[] | null> {
    const now = this.clock.now().getTime();
    const known = this.rooms.get(roomId);
    if (known && now - known.askedAt < this.config.chat.pushOffListTtlMs) return known.list;
    const entry: Entry = { list: this.lookup.offMembers(roomId), askedAt: now };
    this.rooms.set(roomId, entry);
    // Only the entry still in place is dropped: a newer one (after a forget) stays.
    void entry.list.then((list) => {
      if (list === null && this.rooms.get(roomId) === entry) this.rooms.delete(roomId);
    });
    return entry.list;
  }

  /** Someone's state changed in the room: the next line asks again. */
  forget(roomId: string): void {
    this.rooms.delete(roomId);
  }
}
