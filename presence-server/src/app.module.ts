import { Module, type DynamicModule } from '@nestjs/common';
import {
  AuthModule,
  EventBusReadiness,
  HealthModule,
  LoggingModule,
  MetricsModule,
  PlatformModule,
  ServiceRegistryReadiness,
  type Clock,
} from '@playlist-chat/platform';
import { StoreReadiness } from './health/store.readiness';
import { PresenceConfig } from './presence-config';
import { PresenceModule } from './presence/presence.module';
import { PresenceStoreModule } from './presence/presence-store.module';

export const PRESENCE_SERVICE = 'presence-server';

/** Makes the validated settings injectable everywhere in the app. */
@Module({})
class PresenceConfigModule {
  static forRoot(config: PresenceConfig): DynamicModule {
    return {
      module: PresenceConfigModule,
      global: true,
      providers: [{ provide: PresenceConfig, useValue: config }],
      exports: [PresenceConfig],
    };
  }
}

export interface PresenceAppOptions {
  /** Replaces the system clock (tests: a ManualClock drives heart-beat expiry). */
  readonly clock?: Clock;
}

@Module({})
export class PresenceAppModule {
  static forRoot(config: PresenceConfig, options: PresenceAppOptions = {}): DynamicModule {
    return {
      module: PresenceAppModule,
      imports: [
        PresenceConfigModule.forRoot(config),
        PlatformModule.forRoot(config.platform),
        LoggingModule.forRoot({ service: PRESENCE_SERVICE, settings: config.platform }),
        MetricsModule.forRoot({ service: PRESENCE_SERVICE }),
        AuthModule.forRoot(config.auth),
        PresenceModule.forRoot(options.clock),
        HealthModule.forRoot({
          readiness: [StoreReadiness, EventBusReadiness, ServiceRegistryReadiness],
          imports: [PresenceStoreModule],
        }),
      ],
    };
  }
}
