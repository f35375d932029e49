import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a request carries a body, from its headers alone (before anything reads it): chunked,
 * or a content-length above 0. The one test for the 415 hook, the declared-input guard and the
 * gateway's body reader.
 */
export const hasRequestBody = (headers: IncomingHttpHeaders): boolean =>
  headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
