import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { StompBroker } from '../server/stomp-broker';
import { StompServer } from '../server/stomp-server';
import { StompEndpoint } from './stomp-endpoint';
import { StompExplorer } from './stomp-explorer';
import { STOMP_MODULE_OPTIONS, type StompModuleOptions } from './stomp-module-options';

export interface StompModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: (
    string | symbol | (abstract new (...args: never[]) => unknown) | (new (...args: never[]) => unknown)
  )[];
  useFactory: (...args: never[]) => StompModuleOptions | Promise<StompModuleOptions>;
}

/**
 * STOMP over WebSocket on the Nest HTTP server. Global: `StompBroker` (and `StompServer`) can be
 * injected anywhere. Handlers come from providers decorated with `@StompController()`.
 */
@Module({})
export class StompModule {
  static forRoot(options: StompModuleOptions): DynamicModule {
    return StompModule.build([], { provide: STOMP_MODULE_OPTIONS, useValue: options });
  }

  static forRootAsync(options: StompModuleAsyncOptions): DynamicModule {
    return StompModule.build(options.imports ?? [], {
      provide: STOMP_MODULE_OPTIONS,
      useFactory: options.useFactory as (
        ...args: unknown[]
      ) => StompModuleOptions | Promise<StompModuleOptions>,
      inject: options.inject ?? [],
    });
  }

  private static build(
    imports: NonNullable<ModuleMetadata['imports']>,
    optionsProvider: NonNullable<ModuleMetadata['providers']>[number],
  ): DynamicModule {
    return {
      module: StompModule,
      global: true,
      imports: [DiscoveryModule, ...imports],
      providers: [
        optionsProvider,
        {
          provide: StompServer,
          useFactory: (options: StompModuleOptions) => new StompServer(options),
          inject: [STOMP_MODULE_OPTIONS],
        },
        { provide: StompBroker, useFactory: (server: StompServer) => server.broker, inject: [StompServer] },
        StompExplorer,
        StompEndpoint,
      ],
      exports: [StompBroker, StompServer],
    };
  }
}
