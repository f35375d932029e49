import { Module } from '@nestjs/common';
import { MessageStoreModule } from '../message-store/message-store.module';
import { RoomStoreModule } from '../room-store/room-store.module';
import { HousekeepingService } from './housekeeping.service';
import { HousekeepingWorker } from './housekeeping.worker';

/** Retention of messages and the closing of idle rooms, on the lease-holding instance. */
@Module({
  imports: [RoomStoreModule, MessageStoreModule],
  providers: [HousekeepingService, HousekeepingWorker],
})
export class RetentionModule {}
