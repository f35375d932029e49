import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import {
  AuthModule,
  CatalogueErrorFilter,
  Clock,
  EventBusReadiness,
  HealthModule,
  LoggingModule,
  MetricsModule,
  PlatformModule,
  RoomFanoutReadiness,
  ServiceRegistryReadiness,
} from '@playlist-chat/platform';
import { StompAuthenticator, StompModule } from '@playlist-chat/stomp';
import { ChatStompAuthenticator } from '../auth/chat-stomp.authenticator';
import { ConnectionCounter } from '../auth/connection-counter';
import { DevTokenController } from '../auth/dev-token.controller';
import { StoreReadiness } from '../health/store.readiness';
import { MessageIdGenerator } from '../ids/message-id';
import { ChatController } from '../messages/chat.controller';
import { ChatService } from '../messages/chat.service';
import { ChatStompHandlers } from '../messages/chat.stomp';
import { FanoutBridge } from '../messages/fanout-bridge';
import { RoomFeed } from '../messages/room-feed';
import { presenceProviders } from '../presence/presence.providers';
import { HousekeepingService } from '../retention/housekeeping.service';
import { HousekeepingWorker } from '../retention/housekeeping.worker';
import { MembershipService } from '../rooms/membership.service';
import { RoomAccess } from '../rooms/room-access';
import { RoomEvents } from '../rooms/room-events';
import { RoomsController } from '../rooms/rooms.controller';
import { RoomsService } from '../rooms/rooms.service';
import { SearchIndexEvents } from '../search-index/search-index.events';
import { HttpSearchIndexer } from '../search-index/search-indexer.http';
import { SearchIndexer } from '../search-index/search-indexer.port';
import { SearchOutboxWorker } from '../search-index/search-outbox.worker';
import { ChatStorageModule } from '../storage/storage.module';
import type { StorageSettings } from '../storage/storage.settings';
import { stompOptionsFrom } from '../stomp-limits.settings';
import { ChatConfig } from './chat-config';
import { ChatInstance } from './chat-instance';
import { StompMetrics } from './stomp-metrics';
import { CHAT_SERVICE } from './service-name';
import { WS_PATH } from './ws-path';

export interface ChatModuleOptions {
  readonly config: ChatConfig;
  readonly storage: StorageSettings;
  /** Tests pass a ManualClock; default: the platform's system clock. */
  readonly clock?: Clock;
}

/**
 * The chat server as one Nest module: the platform ports (bus, fan-out, registry), auth,
 * storage, the STOMP endpoint and the chat features. Every chat provider lives here, so a
 * `clock` given in the options reaches all of them.
 */
@Module({})
export class ChatModule {
  static forRoot({ config, storage, clock }: ChatModuleOptions): DynamicModule {
    const controllers: Type[] = [RoomsController, ChatController];
    if (config.auth.devTokens) controllers.push(DevTokenController);
    const providers: Provider[] = [
      { provide: ChatConfig, useValue: config },
      { provide: ChatInstance, useValue: ChatInstance.create(config.platform) },
      ...(clock ? [{ provide: Clock, useValue: clock }] : []),
      { provide: APP_FILTER, useClass: CatalogueErrorFilter },
      {
        provide: MessageIdGenerator,
        inject: [Clock],
        useFactory: (time: Clock) => new MessageIdGenerator(time),
      },
      ConnectionCounter,
      ChatStompAuthenticator,
      { provide: StompAuthenticator, useExisting: ChatStompAuthenticator },
      ...presenceProviders(config.chat.presence),
      {
        provide: SearchIndexer,
        useFactory: () => new HttpSearchIndexer(config.chat.searchUrl, config.chat.searchTimeoutMs),
      },
      RoomAccess,
      RoomEvents,
      RoomFeed,
      FanoutBridge,
      MembershipService,
      RoomsService,
      ChatService,
      ChatStompHandlers,
      SearchIndexEvents,
      SearchOutboxWorker,
      HousekeepingService,
      HousekeepingWorker,
      StompMetrics,
    ];
    // One instance, imported by this module and by the health checks that read the store.
    const storageModule = ChatStorageModule.forRoot({
      store: storage.store,
      dataDir: storage.dataDir,
      mongoUrl: storage.mongoUrl,
    });
    return {
      module: ChatModule,
      imports: [
        LoggingModule.forRoot({ service: CHAT_SERVICE, settings: config.platform }),
        MetricsModule.forRoot({ service: CHAT_SERVICE }),
        PlatformModule.forRoot(config.platform),
        AuthModule.forRoot(config.auth),
        storageModule,
        HealthModule.forRoot({
          readiness: [StoreReadiness, EventBusReadiness, RoomFanoutReadiness, ServiceRegistryReadiness],
          imports: [storageModule],
        }),
        StompModule.forRoot({ path: WS_PATH, ...stompOptionsFrom(config.stomp) }),
      ],
      controllers,
      providers,
    };
  }
}
