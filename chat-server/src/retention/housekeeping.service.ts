import { setImmediate as nextTurn } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import { MessageStore } from '../message-store/message-store.port';
import { PresenceGate } from '../presence/presence-gate.port';
import { ChatEvents } from '../domain-events/chat-events';
import { RoomStore, type IdleRoomsCursor } from '../room-store/room-store.port';

const DAY_MS = 86_400_000;
/**
 * Idle rooms examined per store call; the event loop turns between calls. On SQLite a page of
 * 500 idle rooms blocked for 0.6-3 ms (10,000-40,000 rooms with chat lines); one call over all
 * 10,000 of them, with their members, blocked for 0.3-0.6 s on every run.
 */
export const IDLE_ROOMS_PAGE = 500;

export interface HousekeepingResult {
  readonly purgedMessages: number;
  readonly closedRoomIds: string[];
}

/**
 * Retention and idle clean-up, on the Clock: messages older than MESSAGE_RETENTION_DAYS are
 * purged; rooms with no chat lines (ENTER/EXIT do not count), nobody online and no
 * activity for ROOM_IDLE_MINUTES are closed.
 */
@Injectable()
export class HousekeepingService {
  private readonly logger = new Logger(HousekeepingService.name);

  constructor(
    private readonly rooms: RoomStore,
    private readonly messages: MessageStore,
    private readonly presence: PresenceGate,
    private readonly events: ChatEvents,
    private readonly clock: Clock,
    private readonly config: ChatConfig,
  ) {}

  async run(): Promise<HousekeepingResult> {
    const now = this.clock.now().getTime();
    const { retentionDays, roomIdleMinutes } = this.config.chat;
    const purgedMessages = await this.messages.purgeOlderThan(new Date(now - retentionDays * DAY_MS));
    const closedRoomIds = await this.closeIdleRooms(new Date(now - roomIdleMinutes * 60_000));
    if (purgedMessages > 0 || closedRoomIds.length > 0) {
      this.logger.log(
        `purged ${purgedMessages} messages older than ${retentionDays} days; closed ${closedRoomIds.length} idle rooms`,
      );
    }
    return { purgedMessages, closedRoomIds };
  }

  /**
   * Pages through the idle rooms, closing the candidates the store finds (no chat line) that
   * nobody is online in. Rooms with chat lines never close and are only stepped over, a page at
   * a time, so a run never holds the event loop for long however many of them there are.
   * Someone online is activity: a candidate with someone in it is touched, so it closes an hour
   * (ROOM_IDLE_MINUTES) after the last of them left, not at the first pass after, however long
   * they stayed without a line. It is then no candidate for another idle period: one write per
   * such room and period.
   */
  private async closeIdleRooms(cutoff: Date): Promise<string[]> {
    const closed: string[] = [];
    let after: IdleRoomsCursor | undefined;
    do {
      const page = await this.rooms.listCloseCandidates(cutoff, { after, limit: IDLE_ROOMS_PAGE });
      for (const roomId of page.roomIds) {
        if (await this.presence.anyoneOnline(roomId)) {
          await this.rooms.touch(roomId, this.clock.now());
          continue;
        }
        await this.rooms.closeRoom(roomId, this.clock.now());
        await this.events.emit({ type: 'room.closed', roomId });
        closed.push(roomId);
      }
      after = page.next ?? undefined;
      // SQLite answers synchronously: without this turn, the pages would run back to back.
      if (after) await nextTurn();
    } while (after);
    return closed;
  }
}
