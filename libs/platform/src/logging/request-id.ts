import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Ids a caller may hand us in `x-request-id`: short and plain, so they cannot forge log fields. */
const acceptableId = /^[\w.:-]{1,128}$/;

/**
 * A request's id: the caller's `x-request-id` when it is a plain token (so one id follows a
 * request through the gateway and the services), otherwise a new UUID.
 */
export function requestIdFrom(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && acceptableId.test(given) ? given : randomUUID();
}

/** The request id of a log line (`requestIdFrom`), echoed back in the response's `x-request-id`. */
export function requestId(request: IncomingMessage, response: ServerResponse): string {
  const id = requestIdFrom(request);
  response.setHeader('x-request-id', id);
  return id;
}
