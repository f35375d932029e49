import { Module, type DynamicModule } from '@nestjs/common';
import { StompAuthenticator } from '@playlist-chat/stomp';
import { ChatStompAuthenticator } from './chat-stomp.authenticator';
import { ConnectionCounter } from './connection-counter';
import { DevTokenController } from './dev-token.controller';

/** Who may connect to `/ws-chat` and as whom; with AUTH_DEV_TOKENS, the dev-token endpoint. */
@Module({})
export class ChatAuthModule {
  static forRoot({ devTokens }: { devTokens: boolean }): DynamicModule {
    return {
      module: ChatAuthModule,
      controllers: devTokens ? [DevTokenController] : [],
      providers: [
        ConnectionCounter,
        ChatStompAuthenticator,
        { provide: StompAuthenticator, useExisting: ChatStompAuthenticator },
      ],
    };
  }
}
