import { Injectable } from '@nestjs/common';
import { ReadinessIndicator } from '@playlist-chat/platform';
import { RoomStore } from '../room-store/room-store.port';
import {
  assertStoreWritable,
  InjectStoreConnection,
  type StoreConnection,
} from '../storage/store-connection';

/** Ready while the store can take writes (MongoDB: a PRIMARY is known) and the room store answers a read. */
@Injectable()
export class StoreReadiness extends ReadinessIndicator {
  readonly name = 'store';

  constructor(
    private readonly rooms: RoomStore,
    @InjectStoreConnection() private readonly connection: StoreConnection,
  ) {
    super();
  }

  async check(): Promise<void> {
    await assertStoreWritable(this.connection);
    await this.rooms.get('00000000-0000-4000-8000-000000000000');
  }
}
