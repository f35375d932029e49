import {
  CatalogueError,
  PAYLOAD_ERRORS,
  type ErrorCatalogue,
  type FieldProblem,
} from '@playlist-chat/platform';

/**
 * The presence server's one catalogue of expected refusals. Services throw
 * `PresenceError(code)`; the platform's `CatalogueErrorFilter` turns it into an HTTP status
 * and body, with the same `code` values the chat server uses for the same rules.
 */
export const PRESENCE_ERRORS = {
  'not-a-member': { status: 403, message: 'you are not a member of this room' },
  'unknown-room': { status: 404, message: 'room not found' },
  ...PAYLOAD_ERRORS,
  'internal-only': { status: 401, message: 'a valid x-internal-token header is required' },
} as const satisfies ErrorCatalogue;

export type PresenceErrorCode = keyof typeof PRESENCE_ERRORS;

export class PresenceError extends CatalogueError<PresenceErrorCode> {
  constructor(code: PresenceErrorCode, message?: string, fields?: readonly FieldProblem[]) {
    super(PRESENCE_ERRORS, code, message, fields);
  }
}
