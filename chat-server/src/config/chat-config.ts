import type { AuthOptions, PlatformSettings } from '@playlist-chat/platform';
import type { ChatSettings } from './chat.settings';
import type { StompSettings } from './stomp-limits.settings';

/** Settings of every group the chat server reads, validated once at start-up; injectable by class. */
export class ChatConfig {
  constructor(
    readonly chat: ChatSettings,
    readonly platform: PlatformSettings,
    readonly auth: AuthOptions,
    readonly stomp: StompSettings,
  ) {}
}
