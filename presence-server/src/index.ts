import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  instanceName,
  ServiceRegistry,
  useStructuredLogging,
  type Env,
  type RunningService,
} from '@playlist-chat/platform';
import { PRESENCE_SERVICE, PresenceAppModule, type PresenceAppOptions } from './app.module';
import { PresenceErrorFilter } from './errors/presence-error.filter';
import { presenceValidationPipe } from './errors/validation.pipe';
import { loadPresenceConfig } from './presence-config';
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

/**
 * Starts the presence server: validates the settings (a ConfigError names every bad variable),
 * serves the presence REST API, Swagger (`/docs`, `/docs-json`) and health on PRESENCE_PORT,
 * consumes the chat server's room and device events, and registers in discovery as
 * `presence-server`. `close()` deregisters first, then stops taking requests and events,
 * finishes in-flight work and releases the store.
 */
export async function startPresenceServer(
  env: Env = process.env,
  options: PresenceAppOptions = {},
): Promise<RunningService> {
  const config = loadPresenceConfig(env);
  const logger = new Logger('PresenceServer');
  const app = await NestFactory.create(PresenceAppModule.forRoot(config, options), { bufferLogs: true });
  useStructuredLogging(app);
  app.useGlobalPipes(presenceValidationPipe());
  app.useGlobalFilters(new PresenceErrorFilter());
  setUpSwagger(app);
  await app.listen(config.presence.port, config.presence.host);

  const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
  const localHost = ['0.0.0.0', '::', ''].includes(config.presence.host) ? '127.0.0.1' : config.presence.host;
  const advertised = config.platform.advertiseHost;
  const registry = app.get(ServiceRegistry);
  const id = `${instanceName(config.platform, PRESENCE_SERVICE)}-${port}`;
  await registry.register({
    id,
    service: PRESENCE_SERVICE,
    host: advertised,
    port,
    healthCheckUrl: `http://${advertised}:${port}/health/ready`,
  });
  logger.log(
    `presence server ${id} listening on http://${localHost}:${port} (store: ${config.presence.store}, docs at /docs)`,
  );

  let closing: Promise<void> | undefined;
  return {
    name: PRESENCE_SERVICE,
    url: `http://${localHost}:${port}`,
    port,
    close: () =>
      (closing ??= (async () => {
        await registry
          .deregister(id)
          .catch((error: unknown) => logger.warn(`deregistering ${id} failed: ${String(error)}`));
        await app.close();
      })()),
  };
}
