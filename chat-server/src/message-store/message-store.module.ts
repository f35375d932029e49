import { Module } from '@nestjs/common';
import { storeProvider } from '../storage/store-provider';
import { MessageStore } from './message-store.port';
import { openMessageStore } from './open-message-store';

/** `MessageStore` on the shared store connection. */
@Module({ providers: [storeProvider(MessageStore, openMessageStore)], exports: [MessageStore] })
export class MessageStoreModule {}
