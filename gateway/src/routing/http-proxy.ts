import { scrubUrl, type TrustedProxies } from '@playlist-chat/platform';
import { Logger } from '@nestjs/common';
import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { createProxyMiddleware, type RequestHandler } from 'http-proxy-middleware';
import type { GatewaySettings } from '../gateway.settings';
import { errorBody, noHealthyInstance, sendError } from './gateway-errors';
import { setForwardedHeaders } from './forwarded-headers';
import { instanceUrl } from './instance-pool';
import { BodyTooLarge, readBody } from './request-body';
import { mayRetry, statusForFailure, type AttemptFailure } from './retry-policy';
import type { Route } from './routes';
import type { Upstreams } from './upstreams';

/** One try of one request against one instance. */
interface Attempt {
  readonly target: string;
  readonly body: Buffer | undefined;
  connected: boolean;
  timedOut: boolean;
  error?: Error;
}

/**
 * Forwards REST requests to an instance of the route's service, picked round robin from the
 * healthy ones. http-proxy-middleware does the forwarding (streaming, timeouts; the hop-by-hop
 * request headers are dropped first, in setForwardedHeaders); this class chooses the instance for every attempt and decides on retries: a request
 * that never reached an instance is resent to the next one whatever its method, an idempotent one
 * also after a failure or a timeout, and never once a response has started.
 */
export class HttpProxy {
  private readonly log = new Logger('HttpProxy');
  private readonly attempts = new WeakMap<IncomingMessage, Attempt>();
  private readonly forward: RequestHandler;
  /**
   * Keep-alive connections to the instances, kept open once made (up to GATEWAY_UPSTREAM_SOCKETS
   * per instance, idle or busy). httpxy's default agent keeps at most 64 idle: after every burst
   * of more than 64 concurrent requests it closed the rest and opened them again for the next,
   * and a request on a new connection waited for the busy instance to accept it. With 200
   * clients that was ~9 % of requests and p97.5 2-3x higher (docs/performance.md).
   */
  private readonly agent: Agent;

  constructor(
    private readonly upstreams: Upstreams,
    private readonly settings: GatewaySettings,
    /** GATEWAY_TRUSTED_PROXIES, parsed once for the whole gateway. */
    private readonly proxies: TrustedProxies,
  ) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: settings.upstreamSockets,
      maxFreeSockets: settings.upstreamSockets,
    });
    this.forward = createProxyMiddleware({
      // `on.error` replaces the default plain-text error responses with our own handling.
      proxyTimeout: settings.proxyTimeoutMs,
      agent: this.agent,
      router: (req, _res, options) => {
        const attempt = this.attemptOf(req);
        // `options` is this request's own copy: a fresh stream of the kept body for every attempt.
        options.buffer = attempt.body ? Readable.from([attempt.body]) : undefined;
        return attempt.target;
      },
      on: {
        proxyReq: (proxyReq, req) => this.track(proxyReq, this.attemptOf(req)),
        proxyRes: (proxyRes) => {
          // CORS is the gateway's policy (GATEWAY_CORS_ORIGINS), not each instance's.
          for (const header of Object.keys(proxyRes.headers)) {
            if (header.startsWith('access-control-')) delete proxyRes.headers[header];
          }
        },
        error: (error, req) => {
          const attempt = this.attempts.get(req);
          if (attempt) attempt.error = error;
        },
      },
    });
  }

  async handle(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    const requestId = setForwardedHeaders(req, this.proxies);
    res.setHeader('x-request-id', requestId);
    const pool = this.upstreams.pool(route.service);
    if (pool.size === 0) return sendError(res, noHealthyInstance(route.service));

    let body: Buffer | undefined;
    try {
      body = await readBody(req, this.settings.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge)
        return sendError(res, errorBody(413, error.message), { connection: 'close' });
      throw error;
    }
    // The whole body is in hand (Node already answered any `Expect: 100-continue`); the instance gets it at once.
    delete req.headers.expect;

    const tried = new Set<string>();
    let lastFailure: AttemptFailure | undefined;
    for (let round = 0; round <= this.settings.retries; round++) {
      const instance = pool.next(tried);
      if (!instance) break;
      tried.add(instance.id);
      const attempt: Attempt = { target: instanceUrl(instance), body, connected: false, timedOut: false };
      this.attempts.set(req, attempt);
      await this.forward(req, res);
      if (!attempt.error) {
        this.log.debug(
          `${req.method} ${scrubUrl(req.url ?? '')} -> ${instance.id} ${res.statusCode} [request ${requestId}]`,
        );
        return;
      }

      const failure: AttemptFailure = {
        error: attempt.error,
        connectFailed: !attempt.connected,
        timedOut: attempt.timedOut,
      };
      lastFailure = failure;
      if (failure.connectFailed) pool.eject(instance.id);
      this.log.warn(
        `${req.method} ${scrubUrl(req.url ?? '')} via ${instance.id} failed (${describe(attempt.error)}) [request ${requestId}]`,
      );
      if (!mayRetry(req.method, failure, res.headersSent)) break;
    }
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

  /** Closes the connections to the instances (after in-flight requests were drained or cut). */
  close(): void {
    this.agent.destroy();
  }

  private attemptOf(req: IncomingMessage): Attempt {
    const attempt = this.attempts.get(req);
    if (!attempt) throw new Error('request reached the proxy without a chosen instance');
    return attempt;
  }

  private track(proxyReq: ClientRequest, attempt: Attempt): void {
    proxyReq.once('timeout', () => (attempt.timedOut = true));
    const onSocket = (socket: Socket) => {
      if (!socket.connecting) attempt.connected = true;
      else socket.once('connect', () => (attempt.connected = true));
    };
    if (proxyReq.socket) onSocket(proxyReq.socket);
    else proxyReq.once('socket', onSocket);
  }
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}: ${error.message}` : error.message;
}
