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
    text: () => frame.body.toString('utf8'),
    json: <T>() => {
      try {
        return JSON.parse(frame.body.toString('utf8')) as T;
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
