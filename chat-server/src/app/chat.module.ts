import { Module, type DynamicModule } from '@nestjs/common';
import {
  AuthModule,
  EventBusReadiness,
  HealthModule,
  LoggingModule,
  MetricsModule,
  PlatformModule,
  RoomFanoutReadiness,
  ServiceRegistryReadiness,
  type Clock,
} from '@playlist-chat/platform';
import { StompExceptionFilter, StompModule } from '@playlist-chat/stomp';
import { ChatAuthModule } from '../auth/chat-auth.module';
import { ChatConfig } from '../config/chat-config';
import { ChatConfigModule } from '../config/chat-config.module';
import { CHAT_SERVICE } from '../config/service-name';
import { stompOptionsFrom } from '../config/stomp-limits.settings';
import type { StorageSettings } from '../config/storage.settings';
import { WS_PATH } from '../config/ws-path';
import { USER_EVENTS } from '../delivery/destinations';
import { ChatEventsModule } from '../domain-events/chat-events';
import { ChatStompExceptionFilter } from '../errors/chat-stomp-exception.filter';
import { StoreReadiness } from '../health/store.readiness';
import { MessagesModule } from '../messages/messages.module';
import type { PresenceQueries } from '../presence/presence-lookup.port';
import { PresenceModule } from '../presence/presence.module';
import { RetentionModule } from '../retention/retention.module';
import { RoomStoreModule } from '../room-store/room-store.module';
import { RoomsModule } from '../rooms/rooms.module';
import { SearchIndexModule } from '../search-index/search-index.module';
import { StorageModule } from '../storage/storage.module';
import { StompMetrics } from './stomp-metrics';
import { WorkMetrics } from './work-metrics';

export interface ChatModuleOptions {
  readonly config: ChatConfig;
  readonly storage: StorageSettings;
  /** Tests pass a ManualClock; default: the platform's system clock. */
  readonly clock?: Clock;
  /** A presence server in this process (single node): asked directly, not over HTTP. */
  readonly presence?: PresenceQueries;
}

/**
 * The chat server: the platform ports (bus, fan-out, registry, clock), storage, the STOMP
 * endpoint, and one module per feature, layered from the bottom (docs/architecture.md):
 * config → stores → delivery → presence → rooms → messages, with search-index and retention
 * beside them. Features tell each other what happened through `ChatEvents`.
 */
@Module({})
export class ChatModule {
  static forRoot({ config, storage, clock, presence }: ChatModuleOptions): DynamicModule {
    return {
      module: ChatModule,
      imports: [
        LoggingModule.forRoot({ service: CHAT_SERVICE, settings: config.platform }),
        MetricsModule.forRoot({ service: CHAT_SERVICE }),
        PlatformModule.forRoot(config.platform, { clock }),
        AuthModule.forRoot(config.auth),
        ChatConfigModule.forRoot(config),
        StorageModule.forRoot(storage),
        ChatEventsModule,
        HealthModule.forRoot({
          readiness: [StoreReadiness, EventBusReadiness, RoomFanoutReadiness, ServiceRegistryReadiness],
          imports: [RoomStoreModule],
        }),
        StompModule.forRoot({
          path: WS_PATH,
          ...stompOptionsFrom(config.stomp),
          // Clients size their composer by it (the web client does): the limit is the operator's.
          connectedHeaders: { 'max-content-length': String(config.chat.maxContentLength) },
          userDestinations: [USER_EVENTS],
        }),
        ChatAuthModule.forRoot({ devTokens: config.auth.devTokens }),
        PresenceModule.forRoot(config.chat.presence, presence),
        RoomsModule,
        MessagesModule,
        SearchIndexModule,
        RetentionModule,
      ],
      providers: [
        { provide: StompExceptionFilter, useClass: ChatStompExceptionFilter },
        StompMetrics,
        WorkMetrics,
      ],
    };
  }
}
