// The adapters behind the platform's ports, for code that builds them itself (tests, tools);
// apps get them bound by `PlatformModule.forRoot` and import only the ports from the barrel.
export * from './event-bus/event-bus.memory';
export * from './event-bus/event-bus.kafka';
export * from './event-bus/event-bus.redis';
export * from './room-fanout/room-fanout.memory';
export * from './room-fanout/room-fanout.redis';
export * from './service-registry/service-registry.memory';
export * from './service-registry/service-registry.consul';
export * from './service-registry/service-registry.static';
export { closeRedis, pingNow } from './redis/client-state.redis';
