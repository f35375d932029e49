/** Query parameters that carry credentials (`?access_token=` is how browsers pass a token to a WebSocket). */
const SECRET_QUERY = /([?&](?:access_token|token|passcode|password)=)[^&#]*/gi;

export const REDACTED = '[Redacted]';

/** `url` with the values of credential-bearing query parameters replaced. */
export function scrubUrl(url: string): string {
  return url.replace(SECRET_QUERY, `$1${REDACTED}`);
}

/**
 * pino `redact` paths: credentials in response headers, bodies and log objects, wherever a log
 * line holds them. A request is logged without its headers or parsed query (see LoggingModule's
 * `req` serializer), so it needs no paths of its own.
 */
export const REDACTED_PATHS = [
  'res.headers["set-cookie"]',
  'authorization',
  'passcode',
  'accessToken',
  'access_token',
  '*.authorization',
  '*.Authorization',
  '*.passcode',
  '*.accessToken',
  '*.access_token',
];
