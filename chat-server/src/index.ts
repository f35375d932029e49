import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  instanceName,
  ServiceRegistry,
  useStructuredLogging,
  type Clock,
  type Env,
  type RunningService,
} from '@playlist-chat/platform';
import { ChatModule } from './app/chat.module';
import { loadChatConfig } from './app/load-config';
import { CHAT_SERVICE } from './app/service-name';
import { setUpSwagger } from './app/swagger';
import { chatValidationPipe } from './errors/validation.pipe';

export { CHAT_SERVICE };

export interface ChatServerOptions {
  /** Replaces the system clock (tests: `ManualClock`). */
  readonly clock?: Clock;
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
    ChatModule.forRoot({ config, storage, clock: options.clock }),
    { bufferLogs: true },
  );
  useStructuredLogging(app);
  app.useGlobalPipes(chatValidationPipe());
  setUpSwagger(app);
  if (config.auth.devTokens) {
    logger.warn(
      'AUTH_DEV_TOKENS is on: POST /v1/api/auth/dev-token hands out tokens for any user. Turn it off in production.',
    );
  }
  await app.listen(config.chat.port, config.chat.host);

  const port = (app.getHttpServer().address() as AddressInfo).port;
  const localHost = ['0.0.0.0', '::', ''].includes(config.chat.host) ? '127.0.0.1' : config.chat.host;
  const advertised = config.platform.advertiseHost;
  const registry = app.get(ServiceRegistry);
  const id = `${instanceName(config.platform, CHAT_SERVICE)}-${port}`;
  await registry.register({
    id,
    service: CHAT_SERVICE,
    host: advertised,
    port,
    healthCheckUrl: `http://${advertised}:${port}/health/ready`,
  });
  logger.log(`chat server ${id} listening on http://${localHost}:${port} (STOMP at /ws-chat, docs at /docs)`);

  let closing: Promise<void> | undefined;
  return {
    name: CHAT_SERVICE,
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
