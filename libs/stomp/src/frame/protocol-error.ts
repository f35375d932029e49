/** Why the parser refused the input. The code goes into the ERROR frame's `code` header. */
export type ProtocolErrorCode =
  | 'frame-too-large'
  | 'body-too-large'
  | 'too-many-headers'
  | 'header-line-too-long'
  | 'malformed-header'
  | 'invalid-escape'
  | 'invalid-content-length'
  | 'missing-frame-terminator'
  | 'malformed-frame';

/**
 * A fatal protocol error found in the byte stream. The connection cannot be resynchronised
 * after one, so the session answers with ERROR and closes.
 */
export class StompProtocolError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StompProtocolError';
  }
}
