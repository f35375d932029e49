import { Catch, Injectable, type ArgumentsHost } from '@nestjs/common';
import { CatalogueErrorFilter } from '@playlist-chat/platform';
import { StoreSpace } from '../storage/store-space';
import { ChatError } from './chat-error';

/**
 * The refusal for a write the store turned down for lack of disk space, `storage-full` (503 over
 * REST, an ERROR frame over STOMP), noted by `space` for readiness and its once-per-interval
 * warning; undefined for any other error. Used by both surfaces, so each says the same.
 */
export function storageRefusal(space: StoreSpace, error: unknown): ChatError | undefined {
  return space.noteRefusedWrite(error) ? new ChatError('storage-full') : undefined;
}

/**
 * REST refusals for the chat server: the platform's catalogue filter, with a write the store
 * refused for lack of disk space answered as `storage-full` first. A filter, not an interceptor:
 * the success path of every request stays as it was (an interceptor wraps every handler).
 */
@Catch()
@Injectable()
export class ChatHttpErrorFilter extends CatalogueErrorFilter {
  constructor(private readonly space: StoreSpace) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    super.catch(storageRefusal(this.space, exception) ?? exception, host);
  }
}
