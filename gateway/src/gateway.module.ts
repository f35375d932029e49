import { Module, type DynamicModule } from '@nestjs/common';
import {
  HealthModule,
  LoggingModule,
  MetricsModule,
  ServiceRegistry,
  type PlatformSettings,
} from '@playlist-chat/platform';
import { DocsController, DocsJsonController } from './docs/docs.controller';
import { GATEWAY_SETTINGS } from './gateway.tokens';
import type { GatewaySettings } from './gateway.settings';
import { RegistryReadiness } from './health/registry.readiness';
import { Upstreams } from './routing/upstreams';

export interface GatewayModuleDeps {
  readonly settings: GatewaySettings;
  readonly platform: PlatformSettings;
  readonly registry: ServiceRegistry;
  readonly upstreams: Upstreams;
}

/** What the gateway's controllers and health checks inject, built before the app (the proxies use it too). */
@Module({})
class GatewayDepsModule {
  static forRoot({ settings, registry, upstreams }: GatewayModuleDeps): DynamicModule {
    const providers = [
      { provide: GATEWAY_SETTINGS, useValue: settings },
      { provide: ServiceRegistry, useValue: registry },
      { provide: Upstreams, useValue: upstreams },
    ];
    return {
      module: GatewayDepsModule,
      global: true,
      providers,
      exports: providers.map((provider) => provider.provide),
    };
  }
}

/** The gateway's own endpoints (docs, health, logging); proxying and static files are plain middleware in front of them. */
@Module({})
export class GatewayModule {
  static forRoot(deps: GatewayModuleDeps): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        GatewayDepsModule.forRoot(deps),
        LoggingModule.forRoot({ service: 'gateway', settings: deps.platform }),
        MetricsModule.forRoot({ service: 'gateway' }),
        HealthModule.forRoot({ readiness: [RegistryReadiness] }),
      ],
      controllers: [DocsController, DocsJsonController],
    };
  }
}
