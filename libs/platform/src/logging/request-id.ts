import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Ids a caller may hand us in `x-request-id`: short and plain, so they cannot forge log fields. */
const acceptableId = /^[\w.:-]{1,128}$/;

/**
 * The request id of a log line: the caller's `x-request-id` when it is a plain token (so one
 * id follows a request through the gateway and the services), otherwise a new UUID. Echoed
 * back in the response's `x-request-id`.
 */
export function requestId(request: IncomingMessage, response: ServerResponse): string {
  const given = request.headers['x-request-id'];
  const id = typeof given === 'string' && acceptableId.test(given) ? given : randomUUID();
  response.setHeader('x-request-id', id);
  return id;
}
