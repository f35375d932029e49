import type { StompServerOptions } from '../server/stomp-server';

/** `StompModule.forRoot` options: see `StompServerOptions`. Handlers are discovered, never listed here. */
export type StompModuleOptions = StompServerOptions & { controllers?: never };

/** Injection token of the resolved module options. */
export const STOMP_MODULE_OPTIONS = Symbol('STOMP_MODULE_OPTIONS');
