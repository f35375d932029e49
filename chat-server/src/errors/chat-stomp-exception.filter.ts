import { Injectable } from '@nestjs/common';
import { AuthError } from '@playlist-chat/platform';
import { StompError, StompExceptionFilter } from '@playlist-chat/stomp';
import { ChatError } from './chat-error';

/**
 * The one place STOMP refusals are shaped: a ChatError becomes an ERROR frame with its catalogue
 * code (`code` header), message and field problems; a bad token becomes `unauthorized`.
 * Anything else stays as is (the library reports it as internal-error).
 */
@Injectable()
export class ChatStompExceptionFilter extends StompExceptionFilter {
  catch(error: unknown): unknown {
    if (error instanceof ChatError) {
      const details = error.fields.length > 0 ? JSON.stringify({ errors: error.fields }) : undefined;
      return new StompError(error.code, error.message, details);
    }
    if (error instanceof AuthError) return new StompError('unauthorized', error.reason);
    return error;
  }
}
