import {
  authSettings,
  loadSettings,
  loadSettingsGroups,
  platformSettings,
  stopStepProblems,
  telemetrySettings,
  type Env,
} from '@playlist-chat/platform';
import {
  chatSettings,
  loadChatSettings,
  longestLineBytes,
  MAX_BYTES_PER_CHARACTER,
  type ChatSettings,
} from './chat.settings';
import { loadStompSettings, stompSettings, type StompSettings } from './stomp-limits.settings';
import { storageSettings, type StorageSettings } from './storage.settings';
import { ChatConfig } from './chat-config';

/** The JSON around `content` in a send body: roomId, clientMessageId (64 at most), keys, spaces. */
const SEND_ENVELOPE_BYTES = 1024;
/** A SEND's command and headers besides receipt and transaction: destination, content-type, content-length. */
const SEND_HEADERS_BYTES = 1024;

/**
 * The longest line CHAT_MAX_CONTENT_LENGTH allows must fit one SEND frame: otherwise it ends the
 * session with a frame or body size error instead of being refused with content-too-long.
 */
function longestLineProblems(chat: ChatSettings, stomp: StompSettings): string[] {
  const content = `${chatSettings.maxContentLength.env} (${chat.maxContentLength})`;
  const body = longestLineBytes(chat) + SEND_ENVELOPE_BYTES;
  // receipt and transaction carry identifiers of up to STOMP_MAX_ID_HEADER_BYTES each.
  const frame = body + SEND_HEADERS_BYTES + 2 * stomp.maxIdHeaderBytes;
  const problems: string[] = [];
  if (stomp.maxBodyBytes < body)
    problems.push(
      `${content} needs ${stompSettings.maxBodyBytes.env} of at least ${body} (${MAX_BYTES_PER_CHARACTER} bytes per character + ${SEND_ENVELOPE_BYTES} for the JSON around it), got ${stomp.maxBodyBytes}: lower the one or raise the other`,
    );
  if (stomp.maxFrameBytes < frame)
    problems.push(
      `${content} needs ${stompSettings.maxFrameBytes.env} of at least ${frame} (the body's ${body} + ${SEND_HEADERS_BYTES} for the command and headers + 2 × ${stompSettings.maxIdHeaderBytes.env} for receipt and transaction), got ${stomp.maxFrameBytes}: lower the one or raise the other`,
    );
  return problems;
}

/** Every group the chat server reads, validated together: one ConfigError lists every bad variable. */
export function loadChatConfig(env: Env): { config: ChatConfig; storage: StorageSettings } {
  const { platform, auth, chat, storage, stomp } = loadSettingsGroups(
    {
      platform: () => loadSettings(platformSettings, env),
      auth: () => loadSettings(authSettings, env),
      chat: () => loadChatSettings(env),
      storage: () => loadSettings(storageSettings, env),
      stomp: () => loadStompSettings(env),
      // Read by ./telemetry at import, which leaves a bad one to this list.
      telemetry: () => loadSettings(telemetrySettings, env),
    },
    ({ chat, stomp, platform }) => [
      ...(chat && stomp ? longestLineProblems(chat, stomp) : []),
      ...(chat && platform
        ? stopStepProblems(chatSettings.shutdownGraceMs.env, chat.shutdownGraceMs, platform)
        : []),
    ],
  );
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
