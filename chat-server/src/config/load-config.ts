import {
  authSettings,
  loadSettings,
  loadSettingsGroups,
  platformSettings,
  telemetrySettings,
  type Env,
} from '@playlist-chat/platform';
import { loadChatSettings } from './chat.settings';
import { loadStompSettings } from './stomp-limits.settings';
import { storageSettings, type StorageSettings } from './storage.settings';
import { ChatConfig } from './chat-config';

/** Every group the chat server reads, validated together: one ConfigError lists every bad variable. */
export function loadChatConfig(env: Env): { config: ChatConfig; storage: StorageSettings } {
  const { platform, auth, chat, storage, stomp } = loadSettingsGroups({
    platform: () => loadSettings(platformSettings, env),
    auth: () => loadSettings(authSettings, env),
    chat: () => loadChatSettings(env),
    storage: () => loadSettings(storageSettings, env),
    stomp: () => loadStompSettings(env),
    // Read by ./telemetry at import, which leaves a bad one to this list.
    telemetry: () => loadSettings(telemetrySettings, env),
  });
  return {
    config: new ChatConfig(
      chat,
      platform,
      { ...auth, mode: platform.mode, dataDir: platform.dataDir },
      stomp,
    ),
    storage,
  };
}
