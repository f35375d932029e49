import { Injectable } from '@nestjs/common';
import { ReadinessIndicator } from '@playlist-chat/platform';
import { RoomStore } from '../room-store/room-store.port';
import {
  assertStoreWritable,
  InjectStoreConnection,
  type StoreConnection,
} from '../storage/store-connection';
import { StoreSpace } from '../storage/store-space';

/**
 * Ready while the store can take writes (MongoDB: a PRIMARY is known) and the room store answers
 * a read. Writes refused for lack of disk space leave it ready, with `writes` in the report
 * saying so (`StoreSpace`): reads still work, and another instance shares the same store.
 */
@Injectable()
export class StoreReadiness extends ReadinessIndicator {
  readonly name = 'store';

  constructor(
    private readonly rooms: RoomStore,
    @InjectStoreConnection() private readonly connection: StoreConnection,
    private readonly space: StoreSpace,
  ) {
    super();
  }

  async check(): Promise<void | { writes: string }> {
    await assertStoreWritable(this.connection);
    await this.rooms.get('00000000-0000-4000-8000-000000000000');
    const refusal = await this.space.refusal();
    return refusal === undefined ? undefined : { writes: refusal };
  }
}
