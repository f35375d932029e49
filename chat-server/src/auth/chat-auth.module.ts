import { Module, type DynamicModule } from '@nestjs/common';
import { StompAuthenticator } from '@playlist-chat/stomp';
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
        ConnectionCounter,
        ChatStompAuthenticator,
        SessionExpiry,
        { provide: StompAuthenticator, useExisting: ChatStompAuthenticator },
      ],
    };
  }
}
