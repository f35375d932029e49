import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
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

/** REST: a handler's out-of-space failure becomes `storage-full` before the error filter renders it. */
@Injectable()
export class StorageRefusalInterceptor implements NestInterceptor {
  constructor(private readonly space: StoreSpace) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(catchError((error: unknown) => throwError(() => storageRefusal(this.space, error) ?? error)));
  }
}
