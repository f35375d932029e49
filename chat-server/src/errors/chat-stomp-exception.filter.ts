import { Injectable } from '@nestjs/common';
import { AuthError } from '@playlist-chat/platform';
import { StompError, StompExceptionFilter } from '@playlist-chat/stomp';
import { StoreSpace } from '../storage/store-space';
import { ChatError } from './chat-error';
import { storageRefusal } from './storage-refusal';

/**
 * The one place STOMP refusals are shaped: a ChatError becomes an ERROR frame with its catalogue
 * code (`code` header), message and field problems; a bad token becomes `unauthorized`.
 * A write the store refused for lack of disk space becomes `storage-full` (`storageRefusal`).
 * Anything else stays as is (the library reports it as internal-error).
 */
@Injectable()
export class ChatStompExceptionFilter extends StompExceptionFilter {
  constructor(private readonly space: StoreSpace) {
    super();
  }

  catch(thrown: unknown): unknown {
    const error = storageRefusal(this.space, thrown) ?? thrown;
    if (error instanceof ChatError) {
      const details = error.fields.length > 0 ? JSON.stringify({ errors: error.fields }) : undefined;
      return new StompError(error.code, error.message, details, undefined, error.answerHeaders);
    }
    if (error instanceof AuthError) return new StompError('unauthorized', error.reason);
    return error;
  }
}
