import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { makeEvent, type MemberRef, type RoomEvent } from '@playlist-chat/contracts';
import { Clock, EventBus } from '@playlist-chat/platform';
import { ChatEvents } from '../domain-events/chat-events';

type Of<T extends RoomEvent['type']> = Extract<RoomEvent, { type: T }>;

/**
 * Room lifecycle and membership chat events, told on the `chat.rooms` topic (key: roomId) for
 * the presence server and other listeners. The room change is already committed when these go
 * out; a bus failure is logged, not turned into a failed request.
 */
@Injectable()
export class RoomEvents implements OnModuleInit {
  private readonly logger = new Logger(RoomEvents.name);

  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly events: ChatEvents,
  ) {}

  onModuleInit(): void {
    this.events.on('room.opened', ({ room, owner }) => this.opened(room.id, room.roomName, owner));
    this.events.on('member.joined', ({ roomId, member }) => this.memberJoined(roomId, member));
    // The presence server renames a member it knows when told of their join again.
    this.events.on('member.renamed', ({ roomId, member }) => this.memberJoined(roomId, member));
    this.events.on('member.exited', ({ roomId, uid, reason }) => this.memberExited(roomId, uid, reason));
    this.events.on('room.closed', ({ roomId }) => this.closed(roomId));
  }

  private opened(roomId: string, roomName: string, owner: MemberRef): Promise<void> {
    return this.publish(
      roomId,
      makeEvent<Of<'room.opened'>>('room.opened', { roomId, roomName, owner }, this.clock.now()),
    );
  }

  private memberJoined(roomId: string, member: MemberRef): Promise<void> {
    return this.publish(
      roomId,
      makeEvent<Of<'room.member-joined'>>('room.member-joined', { roomId, member }, this.clock.now()),
    );
  }

  private memberExited(roomId: string, uid: string, reason: 'exit' | 'evicted'): Promise<void> {
    return this.publish(
      roomId,
      makeEvent<Of<'room.member-exited'>>('room.member-exited', { roomId, uid, reason }, this.clock.now()),
    );
  }

  private closed(roomId: string): Promise<void> {
    return this.publish(roomId, makeEvent<Of<'room.closed'>>('room.closed', { roomId }, this.clock.now()));
  }

  private async publish(roomId: string, event: RoomEvent): Promise<void> {
    try {
      await this.bus.publish('chat.rooms', roomId, event);
    } catch (error) {
      this.logger.error(`publishing ${event.type} for room ${roomId} failed: ${String(error)}`);
    }
  }
}
