import { startChatServer } from '@playlist-chat/chat-server';
import type { Env, RunningService } from '@playlist-chat/platform';
import { startPresenceServer } from '@playlist-chat/presence-server';
import { startGateway } from '../../src/gateway';

/** What `npm start` sets for its three apps, on free loopback ports, with `dataDir` and `extra` on top. */
export function singleNodeEnv(dataDir: string, extra: Env = {}): Env {
  return {
    DEPLOYMENT_MODE: 'single',
    AUTH_DEV_TOKENS: 'true',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    CHAT_PORT: '0',
    CHAT_HOST: '127.0.0.1',
    PRESENCE_PORT: '0',
    PRESENCE_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_HEALTH_CHECK_INTERVAL_MS: '100',
    ...extra,
  };
}

/** The presence server, the chat server (asking it in process) and the gateway in this process, as `npm start` runs them. */
export interface WholeProduct {
  readonly urls: {
    readonly gateway: string;
    readonly 'chat-server': string;
    readonly 'presence-server': string;
  };
  /** Stops the three, the gateway first. */
  close(): Promise<void>;
}

export async function startWholeProduct(env: Env): Promise<WholeProduct> {
  const started: RunningService[] = [];
  const close = async () => {
    for (const service of started.reverse()) await service.close();
  };
  try {
    const presence = await startPresenceServer(env);
    started.push(presence);
    const chat = await startChatServer(env, { presence: presence.service });
    started.push(chat);
    const gateway = await startGateway(env);
    started.push(gateway);
    return {
      urls: { gateway: gateway.url, 'chat-server': chat.url, 'presence-server': presence.url },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
