import { Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { makeEvent, type ChatMessage, type NotificationEvent } from '@playlist-chat/contracts';
import { Clock, EventBus, firstCodePoints } from '@playlist-chat/platform';
import { ChatEvents } from '../domain-events/chat-events';
import { OffMembers } from './off-members';

const PREVIEW_LENGTH = 100;

/**
 * Push hand-off: for each stored chat line, one `chat.notifications` event naming the room's
 * members who were off (the presence server's list, reused while nobody's state in the room
 * changes: `OffMembers`; the sender left out), for the platform's
 * push service. It runs after the line is answered, so sending never waits for it; a failed
 * lookup or publish is logged and that line gets no event (a push is a courtesy, the line is
 * in the room's history either way).
 */
@Injectable()
export class OfflineNotifier implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(OfflineNotifier.name);
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly events: ChatEvents,
    private readonly offMembers: OffMembers,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.events.on('line.stored', ({ message }) => {
      const work = this.notify(message).finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    });
  }

  /** Notifications under way go out before the bus closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async notify(line: ChatMessage): Promise<void> {
    try {
      const off = await this.offMembers.of(line.roomId);
      const recipients = (off ?? []).filter((uid) => uid !== line.sender.uid);
      if (recipients.length === 0 || line.messageId === null) return;
      await this.bus.publish(
        'chat.notifications',
        line.roomId,
        makeEvent<NotificationEvent>(
          'notification.line-for-offline-members',
          {
            roomId: line.roomId,
            messageId: line.messageId,
            sender: { uid: line.sender.uid, nickName: line.sender.nickName },
            preview: firstCodePoints(line.content, PREVIEW_LENGTH),
            recipients,
            createdAt: line.createdAt,
          },
          this.clock.now(),
        ),
      );
    } catch (error) {
      this.logger.warn(
        `no push hand-off for line ${line.messageId} of room ${line.roomId}: ${String(error)}`,
      );
    }
  }
}
