import type { StompErrorCode } from '../api/error-codes';
import { StompError } from '../api/stomp-error';
import type { StompFrame } from '../frame/frame';

/** The session's own refusal of a frame, with a code from the library's catalogue. */
export class Refusal extends StompError {
  constructor(
    code: StompErrorCode,
    message: string,
    /** Added to the ERROR frame's headers (e.g. `version` when no version could be agreed). */
    extraHeaders: Record<string, string> = {},
  ) {
    super(code, message, undefined, undefined, extraHeaders);
  }
}

/** The value of a header the frame must carry; `missing-header` when it does not. */
export function requireHeader(frame: StompFrame, header: string): string {
  const value = frame.headers[header];
  if (value === undefined)
    throw new Refusal('missing-header', `${frame.command} requires a ${header} header`);
  return value;
}
