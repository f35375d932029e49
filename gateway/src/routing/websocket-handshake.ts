import type { IncomingMessage } from 'node:http';

/** What is wrong with a WebSocket opening handshake (RFC 6455 4.2.1), with the answer it gets. */
export interface HandshakeProblem {
  readonly statusCode: 400 | 426;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

const hasToken = (value: string | undefined, token: string): boolean =>
  (value ?? '').split(',').some((part) => part.trim().toLowerCase() === token);

/**
 * Checks an upgrade before it is tunnelled to an instance. Node hands the gateway every request
 * with an `Upgrade` header (`h2c` too), and the tunnel would otherwise close such a socket
 * without a word, or pass the instance's own HTML error page back; both now get the gateway's
 * JSON refusal. A version other than 13 gets 426 naming the one spoken (RFC 6455 4.4). An
 * `Upgrade` that lists `websocket` among others passes (RFC 6455 4.2.1 asks only that it
 * include it); the instance is then asked for `Upgrade: websocket` alone (setForwardedHeaders).
 */
export function websocketHandshakeProblem(req: IncomingMessage): HandshakeProblem | null {
  const refuse = (message: string): HandshakeProblem => ({ statusCode: 400, message, headers: {} });
  if (req.method !== 'GET') return refuse(`a WebSocket handshake is a GET, not ${req.method}`);
  if (!hasToken(req.headers.upgrade, 'websocket'))
    return refuse(`Upgrade must be websocket, not ${req.headers.upgrade ?? 'missing'}`);
  if (!hasToken(req.headers.connection, 'upgrade')) return refuse('Connection must include Upgrade');
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !/^[A-Za-z0-9+/]{22}==$/.test(key.trim()))
    return refuse('Sec-WebSocket-Key must be 16 bytes in base64');
  if (req.headers['sec-websocket-version'] !== '13')
    return {
      statusCode: 426,
      message: 'Sec-WebSocket-Version must be 13',
      headers: { 'sec-websocket-version': '13' },
    };
  return null;
}
