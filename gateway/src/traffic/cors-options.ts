import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

/**
 * CORS from the allow-list: listed origins (or any, with `*`) get the CORS headers; others get
 * none, so their browsers refuse the response. Same-origin pages (the web client) need none.
 */
export function corsOptions(allowList: readonly string[]): CorsOptions {
  const anyOrigin = allowList.includes('*');
  return {
    origin: (origin, callback) =>
      callback(null, anyOrigin || (origin !== undefined && allowList.includes(origin))),
    credentials: !anyOrigin,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'x-request-id',
      'traceparent',
      'tracestate',
      'last-message-id',
    ],
    // Every response header docs/api.md tells clients to read: without it, a page on another
    // origin reads null (X-Next-Cursor: room lists could not page).
    exposedHeaders: ['x-request-id', 'retry-after', 'x-next-cursor', 'allow'],
    maxAge: 600,
  };
}
