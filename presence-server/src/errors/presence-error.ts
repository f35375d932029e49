/**
 * The presence server's one catalogue of expected refusals. Services throw
 * `PresenceError(code)`; `presence-error.filter.ts` turns it into an HTTP status and body,
 * with the same `code` values the chat server uses for the same rules.
 */
export const PRESENCE_ERRORS = {
  'not-a-member': { status: 403, message: 'you are not a member of this room' },
  'unknown-room': { status: 404, message: 'room not found' },
  'invalid-payload': { status: 400, message: 'body does not match the expected shape' },
  'internal-only': { status: 401, message: 'a valid x-internal-token header is required' },
} as const satisfies Record<string, { status: number; message: string }>;

export type PresenceErrorCode = keyof typeof PRESENCE_ERRORS;

export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

export class PresenceError extends Error {
  constructor(
    readonly code: PresenceErrorCode,
    message: string = PRESENCE_ERRORS[code].message,
    /** Field-level problems for invalid-payload. */
    readonly fields: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'PresenceError';
  }

  get status(): number {
    return PRESENCE_ERRORS[this.code].status;
  }
}
