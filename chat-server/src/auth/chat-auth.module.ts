import { Module, type DynamicModule } from '@nestjs/common';
import { AllowedHosts } from '@playlist-chat/platform';
import { StompAuthenticator } from '@playlist-chat/stomp';
import { ChatConfig } from '../config/chat-config';
import { chatSettings } from '../config/chat.settings';
import { ChatStompAuthenticator } from './chat-stomp.authenticator';
import { ConnectionCounter } from './connection-counter';
import { DevTokenController } from './dev-token.controller';
import { SessionExpiry } from './session-expiry';

/** Who may connect to `/ws-chat` and as whom, and until when; with AUTH_DEV_TOKENS, the dev-token endpoint. */
@Module({})
export class ChatAuthModule {
  static forRoot({ devTokens }: { devTokens: boolean }): DynamicModule {
    return {
      module: ChatAuthModule,
      controllers: devTokens ? [DevTokenController] : [],
      providers: [
        // CHAT_ALLOWED_HOSTS, one rule for HTTP (middleware, index.ts) and /ws-chat upgrades (the authenticator).
        {
          provide: AllowedHosts,
          useFactory: (config: ChatConfig) =>
            new AllowedHosts(config.chat.allowedHosts, chatSettings.allowedHosts.env),
          inject: [ChatConfig],
        },
        ConnectionCounter,
        ChatStompAuthenticator,
        SessionExpiry,
        { provide: StompAuthenticator, useExisting: ChatStompAuthenticator },
      ],
      exports: [AllowedHosts],
    };
  }
}
