import { scrubUrl, tracerRegistered, type TrustedProxies } from '@playlist-chat/platform';
import { Logger } from '@nestjs/common';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Agent, errors } from 'undici';
import type { GatewaySettings } from '../gateway.settings';
import { errorBody, noHealthyInstance, sendError } from './gateway-errors';
import { dropHopByHopHeaders, setForwardedHeaders } from './forwarded-headers';
import { instanceUrl } from './instance-pool';
import type { ForwardingMetrics } from './forwarding-metrics';
import { BodyTooLarge, readBody } from './request-body';
import { mayRetry, statusForFailure, type AttemptFailure } from './retry-policy';
import type { Route } from './routes';
import { classifyFailure, noteFailure } from './upstream-failure';
import type { Upstreams } from './upstreams';

/**
 * Request headers the gateway frames itself: it sends the whole body it read, with its length
 * (Node already answered any `Expect: 100-continue`).
 */
const REFRAMED = new Set(['transfer-encoding', 'content-length', 'expect']);
/**
 * Forwards REST requests to an instance of the route's service, picked round robin from the
 * healthy ones, with undici (the hop-by-hop request headers are dropped first, in
 * setForwardedHeaders). It chooses the instance for every attempt and decides on retries: a
 * request that never reached an instance is resent to the next one whatever its method, an
 * idempotent one also after a failure or a timeout, and never once a response has started. A
 * client that leaves takes its request with it: the attempt under way is aborted, none follows.
 *
 * undici, not node:http's client: a request through the gateway cost 0.85x the server CPU, the
 * gateway's own share 322 -> 239 us (http-proxy-middleware over an http.Agent before;
 * docs/performance.md, "The gateway's REST forwarding on undici").
 */
export class HttpProxy {
  private readonly log = new Logger('HttpProxy');
  /**
   * Keep-alive connections to the instances, up to GATEWAY_UPSTREAM_SOCKETS per instance; a
   * request beyond them waits its turn for one. GATEWAY_PROXY_TIMEOUT_MS bounds the wait for each
   * piece of the answer's body here; the wait for its headers, that turn included, in `forward`.
   */
  private readonly agent: Agent;

  constructor(
    private readonly upstreams: Upstreams,
    private readonly settings: GatewaySettings,
    /** GATEWAY_TRUSTED_PROXIES, parsed once for the whole gateway. */
    private readonly proxies: TrustedProxies,
    private readonly metrics: ForwardingMetrics,
  ) {
    this.agent = new Agent({
      connections: settings.upstreamSockets,
      headersTimeout: settings.proxyTimeoutMs,
      bodyTimeout: settings.proxyTimeoutMs,
    });
  }

  async handle(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    const requestId = setForwardedHeaders(req, this.proxies);
    res.setHeader('x-request-id', requestId);
    const pool = this.upstreams.pool(route.service);
    if (pool.size === 0) return sendError(res, noHealthyInstance(route.service));
    const clientGone = new ClientGone(res);

    let body: Buffer | undefined;
    try {
      body = await readBody(req, this.settings.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge)
        return sendError(res, errorBody(413, error.message), { connection: 'close' });
      // The client hung up halfway through its body: nothing to forward, no one to answer.
      if (clientGone.aborted) return;
      throw error;
    }
    const headers = forwardedHeaders(req);
    const tried = new Set<string>();
    let lastFailure: AttemptFailure | undefined;
    for (let round = 0; round <= this.settings.retries; round++) {
      const instance = pool.next(tried);
      if (!instance) break;
      if (round > 0) this.metrics.retried(route.service);
      tried.add(instance.id);
      const error = await this.forward(req, res, instanceUrl(instance), headers, body, clientGone);
      if (!error) {
        this.log.debug(
          `${req.method} ${scrubUrl(req.url ?? '')} -> ${instance.id} ${res.statusCode} [request ${requestId}]`,
        );
        return;
      }
      if (clientGone.aborted) {
        // Not the instance's fault: its request was cut with the client's, and nobody waits for a retry.
        this.log.debug(
          `${req.method} ${scrubUrl(req.url ?? '')} via ${instance.id}: the client went away [request ${requestId}]`,
        );
        return;
      }

      const failure = { error, ...classifyFailure(error) };
      lastFailure = failure;
      noteFailure(pool, this.metrics, instance.id, failure);
      this.log.warn(
        `${req.method} ${scrubUrl(req.url ?? '')} via ${instance.id} failed (${describe(error)}) [request ${requestId}]`,
      );
      if (!mayRetry(req.method, failure, res.headersSent)) {
        // Part of an answer went out: the client must see it cut, not take it for whole.
        if (res.headersSent) res.destroy();
        break;
      }
    }
    if (res.headersSent) return;
    if (!lastFailure) return sendError(res, noHealthyInstance(route.service));
    const status = statusForFailure(lastFailure);
    sendError(
      res,
      errorBody(
        status,
        status === 504 ? `${route.service} did not answer in time` : `${route.service} could not be reached`,
      ),
    );
  }

  /**
   * One try against the instance at `origin`: the answer streams into `res` (its status and
   * headers, less the hop-by-hop and CORS ones). Resolves with the error when the try failed.
   * `clientGone` aborts it while undici waits for the headers (after them, undici sees `res` close).
   * The headers must come within GATEWAY_PROXY_TIMEOUT_MS of the dispatch: undici's own
   * headersTimeout starts only once the request is on a socket, so behind a hung instance's busy
   * sockets each queued request waited for its predecessors' timeouts first.
   */
  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    origin: string,
    headers: Record<string, string | string[]>,
    body: Buffer | undefined,
    clientGone: ClientGone,
  ): Promise<Error | undefined> {
    const attempt = clientGone.nextAttempt();
    const timer = setTimeout(
      () =>
        attempt.abort(
          new errors.HeadersTimeoutError(`no answer headers in ${this.settings.proxyTimeoutMs} ms`),
        ),
      this.settings.proxyTimeoutMs,
    );
    try {
      await this.agent.stream(
        {
          origin,
          path: req.url ?? '/',
          method: req.method ?? 'GET',
          headers,
          body: body && body.length > 0 ? body : null,
          signal: attempt.signal,
        },
        ({ statusCode, headers: answer }) => {
          clearTimeout(timer); // the body has its own timeout
          // The instance's connection is not the client's: its hop-by-hop headers, and those its
          // Connection names, stay here, and Node frames the answer to the client itself.
          dropHopByHopHeaders(answer);
          delete answer['transfer-encoding'];
          for (const name of Object.keys(answer)) {
            // CORS is the gateway's policy (GATEWAY_CORS_ORIGINS), not each instance's.
            if (name.startsWith('access-control-')) delete answer[name];
          }
          res.writeHead(statusCode, answer as OutgoingHttpHeaders);
          return res;
        },
      );
      return undefined;
    } catch (error) {
      // Once the answer started, undici cuts `res` with the instance's error (a reset, a body
      // timeout) and reports only a premature close of `res`: the log wants the cause.
      return res.errored ?? (error as Error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connections to the instances (after in-flight requests were drained or cut). */
  close(): void {
    void this.agent.destroy();
  }
}

/**
 * Whether the client's connection closed before its answer was complete (and not because undici
 * cut the answer itself: that destroys `res` with the instance's error), and the abort of the try
 * under way when it does. One AbortController a try and no listener on it: `AbortSignal.any`,
 * joining the client's signal with each try's deadline, cost 51-60 us a call in a loop against
 * 1.4-4.6 us for this (docs/performance.md, "The seventh round").
 */
class ClientGone {
  aborted = false;
  private attempt: AbortController | undefined;

  constructor(res: ServerResponse) {
    if (res.destroyed) this.aborted = true;
    else
      res.once('close', () => {
        if (res.writableFinished || res.errored) return;
        this.aborted = true;
        this.attempt?.abort();
      });
  }

  /** The abort of a new try: aborted already if the client is gone, and when it goes. */
  nextAttempt(): AbortController {
    this.attempt = new AbortController();
    if (this.aborted) this.attempt.abort();
    return this.attempt;
  }
}

/** Trace context headers, which undici's instrumentation writes when tracing is on. */
const TRACE_CONTEXT = new Set(['traceparent', 'tracestate']);

/**
 * The client's request headers as the instance gets them: the body's framing is undici's. With
 * tracing on, the trace context is the gateway's forwarding span, which undici's instrumentation
 * adds (it appends: the client's would make two `traceparent` headers, which the instance reads
 * as none); with it off, the client's passes through untouched.
 */
function forwardedHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const traced = tracerRegistered();
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined && !REFRAMED.has(name) && !(traced && TRACE_CONTEXT.has(name)))
      headers[name] = value;
  return headers;
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}: ${error.message}` : error.message;
}
