import { Module } from '@nestjs/common';
import { storeProvider } from '../storage/store-provider';
import { openRoomStore } from './open-room-store';
import { RoomStore } from './room-store.port';

/** `RoomStore` on the shared store connection. */
@Module({ providers: [storeProvider(RoomStore, openRoomStore)], exports: [RoomStore] })
export class RoomStoreModule {}
