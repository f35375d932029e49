import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { MessageStoreModule } from '../message-store/message-store.module';
import { RoomStoreModule } from '../room-store/room-store.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';
import { ChatStompHandlers } from './chat.stomp';
import { RoomReplay } from './room-replay';
import { RoomSessions } from './room-sessions';
import { SendMetrics } from './send-metrics';

/** Chat lines, typing, reads and reading back, over STOMP (`/ws-chat`) and REST. */
@Module({
  imports: [RoomsModule, DeliveryModule, RoomStoreModule, MessageStoreModule],
  controllers: [ChatController],
  providers: [ChatService, SendMetrics, RoomReplay, RoomSessions, ChatStompHandlers],
})
export class MessagesModule {}
