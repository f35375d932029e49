import { Module } from '@nestjs/common';
import { ChatConfig } from '../config/chat-config';
import { RoomStoreModule } from '../room-store/room-store.module';
import { storeProvider } from '../storage/store-provider';
import { openSearchOutbox } from './open-search-outbox';
import { SearchIndexEvents } from './search-index.events';
import { HttpSearchIndexer } from './search-indexer.http';
import { SearchIndexer } from './search-indexer.port';
import { SearchOutbox } from './search-outbox.port';
import { SearchOutboxWorker } from './search-outbox.worker';

/** Getting new rooms into the search service: the outbox, its delivery worker, and the `search.index` event. */
@Module({
  imports: [RoomStoreModule],
  providers: [
    storeProvider(SearchOutbox, openSearchOutbox),
    {
      provide: SearchIndexer,
      inject: [ChatConfig],
      useFactory: ({ chat }: ChatConfig) => new HttpSearchIndexer(chat.searchUrl, chat.searchTimeoutMs),
    },
    SearchIndexEvents,
    SearchOutboxWorker,
  ],
  exports: [SearchOutbox],
})
export class SearchIndexModule {}
