// First the V8 flags (v8-tuning.ts), then .env and tracing, before any instrumented module loads.
import '@playlist-chat/platform/v8-tuning';
import './telemetry';
import { gatewaySettings, gatewaySettingsProblems, type GatewaySettings } from '@playlist-chat/gateway';
import {
  authSettings,
  exitOnStartFailure,
  loadSettings,
  loadSettingsGroups,
  platformSettings,
  runStandalone,
  telemetrySettings,
  type Env,
} from '@playlist-chat/platform';
import { presenceSettings } from '@playlist-chat/presence-server';
import {
  chatSettings,
  jsonBodyLimitBytes,
  loadChatConfig,
  type ChatSettings,
} from '@playlist-chat/chat-server';
import { startSingleNode } from './single-node';
import { samePortProblems } from './same-port';
import { singleNodeSettings } from './single-node.settings';

/**
 * Checks every settings group this process can check before anything starts, together, so one
 * "Invalid configuration" list names every bad variable among them (order of .env). That
 * includes telemetry: './telemetry' runs at import time, where a ConfigError would end the
 * process with a stack trace, so it leaves tracing off when its settings are bad and lets this
 * name them.
 */
function checkSettings(env: Env) {
  return loadSettingsGroups(
    {
      platform: () => loadSettings(platformSettings, env),
      telemetry: () => loadSettings(telemetrySettings, env),
      auth: () => loadSettings(authSettings, env),
      presence: () => loadSettings(presenceSettings, env),
      chat: () => loadChatConfig(env),
      gateway: () => loadSettings(gatewaySettings, env),
      singleNode: () => loadSettings(singleNodeSettings, env),
    },
    ({ gateway, platform, chat, presence }) => [
      ...gatewaySettingsProblems(gateway, platform),
      ...(gateway && chat ? bodyLimitProblems(gateway, chat.config.chat) : []),
      ...(gateway && chat && presence
        ? samePortProblems([
            [gatewaySettings.port.env, gateway.port],
            [chatSettings.port.env, chat.config.chat.port],
            [presenceSettings.port.env, presence.port],
          ])
        : []),
    ],
  );
}

/** Through this node's gateway, every body the chat server takes must pass the gateway first. */
function bodyLimitProblems(gateway: GatewaySettings, chat: ChatSettings): string[] {
  const needed = jsonBodyLimitBytes(chat);
  if (gateway.maxBodyBytes >= needed) return [];
  return [
    `${gatewaySettings.maxBodyBytes.env} (${gateway.maxBodyBytes}) must be at least the chat server's body limit (${needed}, from ${chatSettings.maxPlaylistBytes.env} and ${chatSettings.maxContentLength.env}), or the gateway refuses rooms and lines the chat server allows`,
  ];
}

const ORPHAN_CHECK_MS = 500;

/**
 * `npm start` runs us under `sh -c`, and a SIGTERM sent to npm (a supervisor, `kill <npm pid>`)
 * ends that shell without reaching us. When whoever started us is gone, stop the same graceful
 * way instead of lingering as an orphan holding the ports.
 */
function stopWhenOrphaned(stop: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop();
  }, ORPHAN_CHECK_MS);
  timer.unref();
}

function main(): void {
  // process.env holds .env's variables already (read by './telemetry').
  const { shutdownTimeoutMs } = checkSettings(process.env).platform;
  // Exit 0 once everything stopped in time, 1 when forced; npm's forwarded copy of a Ctrl+C is ignored.
  runStandalone(() => startSingleNode(process.env), {
    timeoutMs: shutdownTimeoutMs,
    onRunning: (stop) => stopWhenOrphaned(() => stop('parent process gone')),
  });
}

try {
  main();
} catch (error) {
  exitOnStartFailure(error);
}
