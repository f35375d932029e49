import { authSettings, ConfigError, loadSettings, platformSettings, type Env } from '@playlist-chat/platform';
import { loadChatSettings } from '../chat.settings';
import { storageSettings, type StorageSettings } from '../storage/storage.settings';
import { ChatConfig } from './chat-config';

/** Every group the chat server reads, validated together: one ConfigError lists every bad variable. */
export function loadChatConfig(env: Env): { config: ChatConfig; storage: StorageSettings } {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const platform = attempt(() => loadSettings(platformSettings, env));
  const auth = attempt(() => loadSettings(authSettings, env));
  const chat = attempt(() => loadChatSettings(env));
  const storage = attempt(() => loadSettings(storageSettings, env));
  if (!platform || !auth || !chat || !storage) throw new ConfigError(problems);
  return {
    config: new ChatConfig(chat, platform, { ...auth, mode: platform.mode, dataDir: platform.dataDir }),
    storage,
  };
}
