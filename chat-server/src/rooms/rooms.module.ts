import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { MessageStoreModule } from '../message-store/message-store.module';
import { RoomStoreModule } from '../room-store/room-store.module';
import { MembershipService } from './membership.service';
import { RoomAccess } from './room-access';
import { RoomEvents } from './room-events';
import { RoomsController } from './rooms.controller';
import { RoomsService } from './rooms.service';

/** Rooms and their members: opening, lists, joining and leaving (REST), and the `chat.rooms` events. */
@Module({
  imports: [RoomStoreModule, MessageStoreModule, DeliveryModule],
  controllers: [RoomsController],
  providers: [RoomAccess, MembershipService, RoomsService, RoomEvents],
  exports: [RoomAccess, MembershipService],
})
export class RoomsModule {}
