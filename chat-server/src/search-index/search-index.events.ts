import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { makeEvent, type SearchIndexEvent } from '@playlist-chat/contracts';
import { Clock, EventBus } from '@playlist-chat/platform';
import { ChatEvents } from '../domain-events/chat-events';
import type { Room } from '../room-store/room.model';
import { roomIndexRequest } from './room-index-request';

/**
 * The search service also takes index requests as events (topic `search.index`, key roomId).
 * This goes out when the room opens; the HTTP outbox stays the delivery that is retried until
 * it succeeds, so a bus failure here is logged, not a failed room creation.
 */
@Injectable()
export class SearchIndexEvents implements OnModuleInit {
  private readonly logger = new Logger(SearchIndexEvents.name);

  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly events: ChatEvents,
  ) {}

  onModuleInit(): void {
    this.events.on('room.opened', ({ room }) => this.roomOpened(room));
  }

  private async roomOpened(room: Room): Promise<void> {
    const { musics: _tracks, ...fields } = roomIndexRequest(room);
    const event = makeEvent<SearchIndexEvent>('search.index-room', fields, this.clock.now());
    try {
      await this.bus.publish('search.index', room.id, event);
    } catch (error) {
      this.logger.error(`publishing the index event of room ${room.id} failed: ${String(error)}`);
    }
  }
}
