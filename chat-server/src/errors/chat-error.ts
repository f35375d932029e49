/**
 * The one catalogue of expected refusals. Services throw `ChatError(code)`; the HTTP filter
 * (`http-error.filter.ts`) and the STOMP mapping (`stomp-errors.ts`) turn a code into a
 * status or an ERROR frame, so both surfaces always say the same thing for the same rule.
 */
export const CHAT_ERRORS = {
  unauthorized: { status: 401, message: 'a valid access token is required' },
  forbidden: { status: 403, message: 'not allowed' },
  'not-a-member': { status: 403, message: 'you are not a member of this room' },
  'presence-off': { status: 403, message: 'your presence in this room is off; turn it on to chat' },
  'unknown-room': { status: 404, message: 'room not found' },
  'invalid-json': { status: 400, message: 'body is not valid JSON' },
  'invalid-payload': { status: 400, message: 'body does not match the expected shape' },
  'content-too-long': { status: 400, message: 'content is too long' },
  'rate-limited': { status: 429, message: 'too many messages' },
  'too-many-connections': { status: 429, message: 'too many open connections' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ChatErrorCode = keyof typeof CHAT_ERRORS;

export class ChatError extends Error {
  constructor(
    readonly code: ChatErrorCode,
    message: string = CHAT_ERRORS[code].message,
    /** Field-level problems for invalid-payload: `{ field, reason }`. */
    readonly fields: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ChatError';
  }

  get status(): number {
    return CHAT_ERRORS[this.code].status;
  }
}

export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}
