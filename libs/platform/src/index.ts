export * from './config/settings';
export * from './config/platform.settings';
export * from './event-bus/event-bus.port';
export * from './room-fanout/room-fanout.port';
export * from './service-registry/service-registry.port';
export * from './service/running-service';
export * from './auth';
