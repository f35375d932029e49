import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import {
  AllowedHosts,
  createValidationPipe,
  serveAndRegister,
  useRestConventions,
  useStructuredLogging,
  type Env,
  type RunningService,
} from '@playlist-chat/platform';
import { PRESENCE_SERVICE, PresenceAppModule, type PresenceAppOptions } from './app.module';
import { loadPresenceConfig } from './presence-config';
import { presenceSettings } from './presence.settings';
import { PresenceService } from './presence/presence.service';
import { setUpSwagger } from './swagger';

export { PRESENCE_SERVICE } from './app.module';
export type { PresenceAppOptions as PresenceServerOptions } from './app.module';
export { presenceSettings, type PresenceSettings } from './presence.settings';
export { PresenceStore, type PresenceStoreOptions } from './presence/presence-store.port';
export { InMemoryPresenceStore } from './presence/presence-store.memory';
export { RedisPresenceStore } from './presence/presence-store.redis';
export {
  API_LEASE_DEVICE_ID,
  type MemberPresence,
  type PresenceChange,
  type RosterMember,
} from './presence/presence.model';
export { PRESENCE_READ_SCOPE } from './presence/presence.service';
export { PRESENCE_GROUP } from './presence/presence-events.consumer';
export { INTERNAL_TOKEN_HEADER } from './presence/internal-token.guard';
export type { PresenceService } from './presence/presence.service';

export interface RunningPresenceServer extends RunningService {
  /**
   * Its use cases, for a host that runs the chat server in the same process (single node): the
   * answers of `/internal/v1/presence` without HTTP. Nothing checks an internal token on them.
   */
  readonly service: PresenceService;
}

/**
 * Starts the presence server: validates the settings (a ConfigError names every bad variable),
 * serves the presence REST API, Swagger (`/docs`, `/docs-json`) and health on PRESENCE_PORT to
 * the Host names in PRESENCE_ALLOWED_HOSTS, consumes the chat server's room and device events,
 * and registers in discovery as `presence-server`. `close()` deregisters first, then stops
 * taking requests and events, finishes in-flight work and releases the store.
 */
export async function startPresenceServer(
  env: Env = process.env,
  options: PresenceAppOptions = {},
): Promise<RunningPresenceServer> {
  const config = loadPresenceConfig(env);
  const app = await NestFactory.create(PresenceAppModule.forRoot(config, options), { bufferLogs: true });
  useStructuredLogging(app);
  // Before any route: a page on a rebinding domain reaches nothing, /docs and /metrics included.
  app.use(new AllowedHosts(config.presence.allowedHosts, presenceSettings.allowedHosts.env).middleware);
  useRestConventions(app, { jsonBodies: true });
  app.useGlobalPipes(createValidationPipe());
  setUpSwagger(app);
  const running = await serveAndRegister(app, {
    service: PRESENCE_SERVICE,
    port: config.presence.port,
    host: config.presence.host,
    settings: { host: presenceSettings.host.env, port: presenceSettings.port.env },
    platform: config.platform,
    describe: `store: ${config.presence.store}, docs at /docs`,
  });
  return { ...running, service: app.get(PresenceService) };
}
