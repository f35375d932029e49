import type { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type RequestHook<Request = IncomingMessage, Response = ServerResponse> = (
  request: Request,
  response: Response,
  next: () => void,
) => void;

/**
 * Runs `hook` on every HTTP request of the app: it is mounted on the app's HTTP adapter when the
 * calling provider is created, that is while Nest builds the app, so it runs ahead of the body
 * parsers and routes that `app.init()` adds later. For the platform's per-request work (request
 * logging, HTTP metrics) instead of a Nest middleware, whose layer (route matching, a WeakSet of
 * the requests it saw, an exception zone) costs about 15 µs of CPU per request and middleware
 * (docs/performance.md, "REST"). Without an HTTP adapter (an application context) it does nothing.
 */
export function onEveryRequest<Request, Response>(
  adapterHost: HttpAdapterHost,
  hook: RequestHook<Request, Response>,
): void {
  adapterHost.httpAdapter?.use(hook);
}
