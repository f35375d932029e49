import { isUtf8 } from 'node:buffer';
import type { SendContext } from '../api/handler-contexts';
import { StompError } from '../api/stomp-error';
import type { StompSession } from '../api/stomp-session';
import type { StompFrame } from '../frame/frame';

/** What an `@OnSend` handler gets for one SEND frame; `json()` refuses a body that is not JSON. */
export function sendContext(
  session: StompSession,
  destination: string,
  params: Record<string, string>,
  frame: StompFrame,
  payload?: unknown,
): SendContext {
  return {
    payload,
    session,
    destination,
    params,
    headers: frame.headers,
    body: frame.body,
    text: () => utf8(frame.body),
    json: <T>() => {
      try {
        return JSON.parse(utf8(frame.body)) as T;
      } catch (error) {
        throw new StompError(
          'invalid-json',
          'body is not valid JSON',
          error instanceof Error ? error.message : undefined,
        );
      }
    },
  };
}

/**
 * The body as text. `toString` would turn invalid UTF-8 into U+FFFD without a word, and the
 * handler would store or pass on text the client never sent: refused instead (a frame read as
 * text that is not UTF-8 text is malformed). Only a text holding U+FFFD (rare, and valid when
 * sent as such) has its bytes checked.
 */
function utf8(body: Buffer): string {
  const text = body.toString('utf8');
  if (text.indexOf('\uFFFD') !== -1 && !isUtf8(body)) {
    throw new StompError('malformed-frame', 'body is not valid UTF-8');
  }
  return text;
}
