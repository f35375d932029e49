import { Injectable } from '@nestjs/common';
import { ReadinessIndicator } from '@playlist-chat/platform';
import { RoomStore } from '../room-store/room-store.port';

/** Ready while the room store answers a read. */
@Injectable()
export class StoreReadiness extends ReadinessIndicator {
  readonly name = 'store';

  constructor(private readonly rooms: RoomStore) {
    super();
  }

  async check(): Promise<void> {
    await this.rooms.get('00000000-0000-4000-8000-000000000000');
  }
}
