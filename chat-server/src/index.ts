import 'reflect-metadata';
import type { Server } from 'node:http';
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  AllowedHosts,
  createValidationPipe,
  serveAndRegister,
  useRestConventions,
  useStructuredLogging,
  type Clock,
  type Env,
  type RunningService,
} from '@playlist-chat/platform';
import { ChatModule } from './app/chat.module';
import { loadChatConfig } from './config/load-config';
import { chatSettings, jsonBodyLimitBytes } from './config/chat.settings';
import { ChatHttpErrorFilter } from './errors/storage-refusal';
import { StoreSpace } from './storage/store-space';
import { CHAT_SERVICE } from './config/service-name';
import { setUpSwagger } from './app/swagger';
import type { PresenceQueries } from './presence/presence-lookup.port';

export { CHAT_SERVICE };
/** Every chat-server setting, checked as `startChatServer` checks them (a host validates all its apps' settings up front). */
export { loadChatConfig } from './config/load-config';
export { chatSettings, jsonBodyLimitBytes, type ChatSettings } from './config/chat.settings';
export { PresenceQueries, type RoomPresenceSummary } from './presence/presence-lookup.port';

export interface ChatServerOptions {
  /** Replaces the system clock (tests: `ManualClock`). */
  readonly clock?: Clock;
  /**
   * A presence server running in this process (the single node passes its service): the chat
   * server asks it directly instead of over HTTP. Used only with CHAT_PRESENCE=server.
   */
  readonly presence?: PresenceQueries;
}

/**
 * Starts the chat server: validates the settings (a ConfigError names every bad variable),
 * serves REST, Swagger (`/docs`, `/docs-json`) and STOMP (`/ws-chat`) on CHAT_PORT, and
 * registers in discovery as `chat-server`. `close()` deregisters first, then stops taking
 * connections, finishes in-flight work and releases the stores.
 */
export async function startChatServer(
  env: Env = process.env,
  options: ChatServerOptions = {},
): Promise<RunningService> {
  const { config, storage } = loadChatConfig(env);
  const logger = new Logger('ChatServer');
  const app = await NestFactory.create<INestApplication<Server>>(
    ChatModule.forRoot({ config, storage, clock: options.clock, presence: options.presence }),
    { bufferLogs: true },
  );
  useStructuredLogging(app);
  // Before any route (the dev-token one included): a page on a rebinding domain gets nothing.
  app.use(app.get(AllowedHosts).middleware);
  useRestConventions(app, {
    jsonBodies: true,
    jsonBodyLimitBytes: jsonBodyLimitBytes(config.chat),
    errorFilter: new ChatHttpErrorFilter(app.get(StoreSpace)),
  });
  app.useGlobalPipes(createValidationPipe());
  setUpSwagger(app);
  if (config.auth.devTokens) {
    logger.warn(
      `AUTH_DEV_TOKENS is on: POST /v1/api/auth/dev-token hands out tokens for any user (scopes: ${config.auth.devTokenScopes.join(', ') || 'none'}). Listening on ${config.chat.host}${config.chat.host === '127.0.0.1' ? ' only (set CHAT_HOST to serve others)' : ''}. Turn it off in production.`,
    );
  }
  return serveAndRegister(app, {
    service: CHAT_SERVICE,
    port: config.chat.port,
    host: config.chat.host,
    settings: { host: chatSettings.host.env, port: chatSettings.port.env },
    platform: config.platform,
    describe: 'STOMP at /ws-chat, docs at /docs',
  });
}
