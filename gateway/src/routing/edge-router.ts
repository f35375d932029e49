import {
  type AllowedHosts,
  extractTraceContext,
  scrubUrl,
  SpanKind,
  withSyncSpan,
  type TrustedProxies,
} from '@playlist-chat/platform';
import { Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatewaySettings } from '../gateway.settings';
import { RateLimiter } from '../traffic/rate-limiter';
import { clientAddressOf } from './forwarded-headers';
import { errorBody, sendError } from './gateway-errors';
import type { HttpProxy } from './http-proxy';
import { httpRouteFor, pathnameOf, websocketRoute } from './routes';
import { websocketHandshakeProblem } from './websocket-handshake';
import type { WebSocketProxy } from './websocket-proxy';

/**
 * The gateway's front door for proxied traffic: picks the route of a REST request or a WebSocket
 * upgrade, applies the per-client rate limit, and hands it to the matching proxy. Anything that
 * is not a proxied path goes on to the gateway's own pages (web client, docs, health).
 */
export class EdgeRouter {
  private readonly log = new Logger('EdgeRouter');
  private readonly limiter: RateLimiter;

  constructor(
    private readonly httpProxy: HttpProxy,
    private readonly webSocketProxy: WebSocketProxy,
    private readonly settings: GatewaySettings,
    /** GATEWAY_TRUSTED_PROXIES, parsed once for the whole gateway. */
    private readonly proxies: TrustedProxies,
    /** GATEWAY_ALLOWED_HOSTS: checked on upgrades here (HTTP requests meet it as middleware before any route). */
    private readonly hosts: AllowedHosts,
  ) {
    this.limiter = new RateLimiter(settings.rateLimitPerMinute / 60, settings.rateLimitBurst);
  }

  readonly http = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const route = httpRouteFor(req.url);
    if (!route) return next();
    const decision = this.limiter.take(clientAddressOf(req, this.proxies));
    if (!decision.allowed) {
      return sendError(res, errorBody(429, 'too many requests from this address'), {
        'retry-after': String(decision.retryAfterSeconds),
      });
    }
    this.httpProxy.handle(req, res, route).catch((error: unknown) => {
      this.log.error(
        `proxying ${req.method} ${scrubUrl(req.url ?? '')} failed: ${(error as Error).stack ?? String(error)}`,
      );
      sendError(res, errorBody(500, 'the gateway failed to forward the request'));
    });
  };

  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const hostProblem = this.hosts.problem(req);
    if (hostProblem !== undefined) return this.webSocketProxy.refuse(socket, 421, hostProblem);
    if (!websocketRoute.matches(pathnameOf(req.url))) {
      return this.webSocketProxy.refuse(
        socket,
        404,
        `no WebSocket endpoint at ${pathnameOf(req.url)} (use /ws-chat)`,
      );
    }
    const problem = websocketHandshakeProblem(req);
    if (problem)
      return this.webSocketProxy.refuse(socket, problem.statusCode, problem.message, problem.headers);
    const decision = this.limiter.take(clientAddressOf(req, this.proxies));
    if (!decision.allowed) {
      return this.webSocketProxy.refuse(socket, 429, 'too many requests from this address', {
        'retry-after': String(decision.retryAfterSeconds),
      });
    }
    // The gateway's own span for the upgrade; the proxied request (instrumented http) is its child
    // and carries its `traceparent` to the chat server, whose STOMP frame spans hang below it.
    withSyncSpan(
      'WS upgrade /ws-chat',
      {
        kind: SpanKind.SERVER,
        parent: extractTraceContext(req.headers as Record<string, string | undefined>),
        attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': '/ws-chat' },
      },
      () => this.webSocketProxy.handle(req, socket, head, websocketRoute),
    );
  };

  close(): void {
    this.limiter.close();
    this.httpProxy.close();
  }
}
