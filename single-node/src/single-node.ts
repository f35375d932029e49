import { chatSettings, startChatServer } from '@playlist-chat/chat-server';
import {
  devTokensOn,
  loadSettings,
  platformSettings,
  type Env,
  type RunningService,
} from '@playlist-chat/platform';
import { presenceSettings, startPresenceServer } from '@playlist-chat/presence-server';
import { gatewaySettings, startGateway } from '@playlist-chat/gateway';
import { Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import { startGatewayThread } from './gateway-thread-handle';
import { hostsBehindGateway } from './hosts-behind-gateway';
import { singleNodeSettings } from './single-node.settings';

export interface SingleNode {
  readonly gateway: RunningService;
  readonly chat: RunningService;
  readonly presence: RunningService;
  /** Stops the chat server (its clients told, through the gateway), then the gateway, then the presence server. */
  close(): Promise<void>;
}

export interface SingleNodeOptions {
  /** Where the start-up banner goes (default: stdout). */
  readonly print?: (line: string) => void;
}

/**
 * The whole product in one process: presence server, chat server and gateway, each a Nest app on
 * its own port; the chat and presence servers share the process-wide in-memory event bus, fan-out
 * and service registry (the single-node adapters DEPLOYMENT_MODE=single selects), and the chat
 * server's presence lookups call the presence server's service directly. The gateway runs on a
 * worker thread of its own (SINGLE_NODE_GATEWAY_THREAD) and reaches them over loopback HTTP, as
 * it reaches instances in a cluster. Every setting is validated before
 * anything listens where possible; if one app fails to start, the ones already started are stopped.
 */
export async function startSingleNode(
  env: Env = process.env,
  options: SingleNodeOptions = {},
): Promise<SingleNode> {
  // Fail on a bad gateway or platform setting before the other apps open ports and files.
  const gatewayHost = loadSettings(gatewaySettings, env).host;
  const platform = loadSettings(platformSettings, env);
  const { gatewayThread } = loadSettings(singleNodeSettings, env);

  /** Presence, chat, gateway: as they start. */
  const started: RunningService[] = [];
  // The chat server stops first, while the gateway still carries its WebSockets: every client
  // gets its ERROR server-shutting-down and a 1001 close, and each line it stored its RECEIPT
  // (the gateway cutting its tunnels first left them a bare 1006). New requests meanwhile get
  // the gateway's 503 (no chat server registered); then the gateway, then the presence server,
  // which hears the chat server's sessions end.
  const stopStarted = async () => {
    const [presence, chat, gateway] = started.splice(0); // the start order, below
    for (const service of [chat, gateway, presence]) await service?.close();
  };
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= stopStarted());
  // Three apps share this process and its root logger: lines outside a request name the product.
  const appEnv: Env = { ...env, LOG_PROCESS_NAME: env.LOG_PROCESS_NAME || 'playlist-chat' };
  try {
    // Behind the gateway, the apps see the client's Host: they answer the gateway's names too (LAN use).
    const presence = await startPresenceServer({
      ...appEnv,
      ...hostsBehindGateway(presenceSettings, appEnv),
    });
    started.push(presence);
    // The chat server asks this presence server directly: no HTTP request on every join.
    const chat = await startChatServer(
      { ...appEnv, ...hostsBehindGateway(chatSettings, appEnv) },
      { presence: presence.service },
    );
    started.push(chat);
    const gateway = gatewayThread
      ? await startGatewayThread(appEnv, { chat: chat.url, presence: presence.url }, (error) => {
          // Without its gateway the node serves no one: say why, stop the rest, exit non-zero.
          new Logger('SingleNode').error(
            `the gateway thread failed; stopping: ${error.stack ?? error.message}`,
          );
          process.exitCode = 1;
          void close();
        })
      : await startGateway(appEnv);
    started.push(gateway);
    (options.print ?? console.log)(
      banner(gateway, chat, presence, platform.dataDir, devTokensOn(env) ? gatewayHost : undefined),
    );
    return { gateway, chat, presence, close };
  } catch (error) {
    await stopStarted();
    throw error;
  }
}

function banner(
  gateway: RunningService,
  chat: RunningService,
  presence: RunningService,
  dataDir: string,
  /** Set while anyone may mint tokens: where the gateway listens. */
  devTokensHost: string | undefined,
): string {
  const base = gateway.url.replace('://127.0.0.1', '://localhost');
  return [
    '',
    'Playlist chat is running (single node).',
    `  Web client      ${base}/`,
    `  API docs        ${base}/docs   (STOMP API: ${base}/docs/asyncapi)`,
    `  WebSocket       ${base.replace(/^http/, 'ws')}/ws-chat`,
    `  Health          ${base}/health/ready`,
    `  Chat server     ${chat.url}   Presence server ${presence.url}   (behind the gateway)`,
    // Absolute: a relative DATA_DIR is relative to where the node was started from.
    `  Data            ${resolve(dataDir)}`,
    ...(devTokensHost === undefined
      ? []
      : [
          `  Dev sign-in     on (AUTH_DEV_TOKENS): anyone who reaches ${devTokensHost} can sign in as anyone${devTokensHost === '127.0.0.1' ? '; only this machine can (set GATEWAY_HOST to change that)' : ''}`,
        ]),
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}
