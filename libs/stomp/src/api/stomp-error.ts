/**
 * An expected refusal: becomes an ERROR frame with `code` and `message` headers (and
 * `details` as the body, labelled `contentType`), after which the connection closes as STOMP
 * requires. Any other error thrown by a handler becomes `code:internal-error` with a generic
 * message.
 */
export class StompError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: string,
    /** The body's `content-type`; by default `application/json` for details that parse as a JSON object or array, else `text/plain`. */
    readonly contentType?: string,
    /** More headers for the ERROR frame (never `message`, `code` or `receipt-id`, which are the session's). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'StompError';
  }
}
