import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import { MessageStore } from '../message-store/message-store.port';
import { PresenceGate } from '../presence/presence-gate.port';
import { ChatEvents } from '../domain-events/chat-events';
import { RoomStore } from '../room-store/room-store.port';

const DAY_MS = 86_400_000;
/** Rooms with more lines than this before the first TALK are rare; treating them as "has messages" is the safe side. */
const TALK_PROBE = 100;

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
    const closedRoomIds: string[] = [];
    for (const room of await this.rooms.listIdleSince(new Date(now - roomIdleMinutes * 60_000))) {
      if (await this.hasChatLines(room.id)) continue;
      if (await this.presence.anyoneOnline(room.id)) continue;
      await this.rooms.closeRoom(room.id, this.clock.now());
      await this.events.emit({ type: 'room.closed', roomId: room.id });
      closedRoomIds.push(room.id);
    }
    if (purgedMessages > 0 || closedRoomIds.length > 0) {
      this.logger.log(
        `purged ${purgedMessages} messages older than ${retentionDays} days; closed ${closedRoomIds.length} idle rooms`,
      );
    }
    return { purgedMessages, closedRoomIds };
  }

  private async hasChatLines(roomId: string): Promise<boolean> {
    const lines = await this.messages.listAfter(roomId, null, TALK_PROBE);
    return lines.length === TALK_PROBE || lines.some((line) => line.type === 'TALK');
  }
}
