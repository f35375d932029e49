import { Module, type DynamicModule } from '@nestjs/common';
import { Clock } from '@playlist-chat/platform';
import { PresenceMetrics } from './presence-metrics';
import { DeviceSweeper } from './device-sweeper';
import { InternalTokenGuard } from './internal-token.guard';
import { PresenceAnnouncer } from './presence-announcer';
import { PresenceController } from './presence.controller';
import { PresenceEventsConsumer } from './presence-events.consumer';
import { PresenceInternalController } from './presence-internal.controller';
import { PresenceService } from './presence.service';
import { PresenceStoreModule } from './presence-store.module';

/**
 * The presence feature: REST, the chat server's events, and the expiry sweeper. Time comes
 * from the platform's global `Clock` unless a clock is passed (tests pass a ManualClock).
 */
@Module({})
export class PresenceModule {
  static forRoot(clock?: Clock): DynamicModule {
    return {
      module: PresenceModule,
      imports: [PresenceStoreModule],
      controllers: [PresenceController, PresenceInternalController],
      providers: [
        PresenceService,
        PresenceAnnouncer,
        PresenceEventsConsumer,
        DeviceSweeper,
        PresenceMetrics,
        InternalTokenGuard,
        ...(clock ? [{ provide: Clock, useValue: clock }] : []),
      ],
      exports: [PresenceStoreModule],
    };
  }
}
