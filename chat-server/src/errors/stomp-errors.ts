import { AuthError } from '@playlist-chat/platform';
import { StompError } from '@playlist-chat/stomp';
import { ChatError } from './chat-error';

/**
 * ChatError → STOMP ERROR frame with the catalogue code (`code` header) and message; a bad
 * token → `unauthorized`. Anything else stays as is (the library reports it as internal-error).
 */
export function toStompError(error: unknown): unknown {
  if (error instanceof ChatError) {
    const details = error.fields.length > 0 ? JSON.stringify({ errors: error.fields }) : undefined;
    return new StompError(error.code, error.message, details);
  }
  if (error instanceof AuthError) return new StompError('unauthorized', error.reason);
  return error;
}

/** Runs a STOMP handler body so that every refusal leaves as a catalogue ERROR. */
export async function stompCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toStompError(error);
  }
}
