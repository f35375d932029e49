import { Module } from '@nestjs/common';
import { Clock } from '@playlist-chat/platform';
import { MessageIdGenerator } from '../ids/message-id';
import { MessageStoreModule } from '../message-store/message-store.module';
import { RoomStoreModule } from '../room-store/room-store.module';
import { FanoutBridge } from './fanout-bridge';
import { RoomFeed } from './room-feed';
import { RoomSequencer } from './room-sequencer';

/**
 * Getting lines and events to people: `RoomFeed` (the one way a line enters a room: id, durable
 * append, broadcast, in room order) and `FanoutBridge` (the cross-instance fan-out joined to this
 * instance's STOMP sessions, user events, the end of a lost member's subscriptions).
 */
@Module({
  imports: [RoomStoreModule, MessageStoreModule],
  providers: [
    {
      provide: MessageIdGenerator,
      inject: [Clock],
      useFactory: (clock: Clock) => new MessageIdGenerator(clock),
    },
    RoomSequencer,
    FanoutBridge,
    RoomFeed,
  ],
  exports: [FanoutBridge, RoomFeed],
})
export class DeliveryModule {}
