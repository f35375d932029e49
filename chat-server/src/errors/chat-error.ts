import {
  CatalogueError,
  PAYLOAD_ERRORS,
  type ErrorCatalogue,
  type FieldProblem,
} from '@playlist-chat/platform';

/**
 * The one catalogue of expected refusals. Services throw `ChatError(code)`; the platform's
 * `CatalogueErrorFilter` and the STOMP mapping (`stomp-errors.ts`) turn a code into a
 * status or an ERROR frame, so both surfaces always say the same thing for the same rule.
 */
export const CHAT_ERRORS = {
  unauthorized: { status: 401, message: 'a valid access token is required' },
  forbidden: { status: 403, message: 'not allowed' },
  'not-a-member': { status: 403, message: 'you are not a member of this room' },
  'presence-off': { status: 403, message: 'your presence in this room is off; turn it on to chat' },
  'unknown-room': { status: 404, message: 'room not found' },
  'invalid-json': { status: 400, message: 'body is not valid JSON' },
  ...PAYLOAD_ERRORS,
  'content-too-long': { status: 400, message: 'content is too long' },
  'client-message-id-taken': { status: 409, message: 'another member sent a line with this clientMessageId' },
  'rate-limited': { status: 429, message: 'too many messages' },
  'too-many-connections': { status: 429, message: 'too many open connections' },
  'storage-full': {
    status: 503,
    message: 'the chat store is out of disk space: nothing was saved; try again later',
  },
  'token-expired': { status: 401, message: 'the access token of this session expired; sign in again' },
} as const satisfies ErrorCatalogue;

export type ChatErrorCode = keyof typeof CHAT_ERRORS;

export class ChatError extends CatalogueError<ChatErrorCode> {
  constructor(code: ChatErrorCode, message?: string, fields?: readonly FieldProblem[]) {
    super(CHAT_ERRORS, code, message, fields);
  }
}
