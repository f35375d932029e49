import type { TrustedProxies } from '@playlist-chat/platform';
import { Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxyMiddleware, type RequestHandler } from 'http-proxy-middleware';
import type { GatewaySettings } from '../gateway.settings';
import { errorBody, noHealthyInstance, refuseUpgrade } from './gateway-errors';
import { setForwardedHeaders } from './forwarded-headers';
import type { ForwardingMetrics } from './forwarding-metrics';
import { instanceUrl } from './instance-pool';
import type { Route } from './routes';
import { classifyFailure, noteFailure } from './upstream-failure';
import type { Upstreams } from './upstreams';

interface Tunnel {
  readonly target: string;
  readonly instanceId: string;
  readonly route: Route;
  /** The client hung up before the instance answered its upgrade. */
  clientLeft: boolean;
  /** Stops watching for that, once the instance answered (the tunnel, or its refusal, owns both ends then). */
  answered(): void;
}

/**
 * Proxies `/ws-chat` upgrades to a chat-server instance (the healthy one with the fewest tunnels
 * open through this gateway) and
 * then pipes bytes both ways; piping passes backpressure through (a slow reader pauses the
 * writer). The two sockets of a tunnel are closed together: when either side goes, so does the
 * other. A connection that cannot be opened is not retried here: the client's socket is already
 * committed, so it gets closed and reconnects (stompjs does), landing on another instance.
 */
export class WebSocketProxy {
  private readonly log = new Logger('WebSocketProxy');
  private readonly tunnels = new WeakMap<IncomingMessage, Tunnel>();
  private readonly open = new Set<Duplex>();
  /** Open tunnels per instance id (the placement of the next one). */
  private readonly openOn = new Map<string, number>();
  private readonly forward: RequestHandler;

  constructor(
    private readonly upstreams: Upstreams,
    private readonly settings: GatewaySettings,
    /** GATEWAY_TRUSTED_PROXIES, parsed once for the whole gateway. */
    private readonly proxies: TrustedProxies,
    private readonly metrics: ForwardingMetrics,
    /** Headers every gateway answer carries (its security headers), refusals of upgrades too. */
    private readonly answerHeaders: Readonly<Record<string, string>> = {},
  ) {
    metrics.countTunnels(() => this.openCount);
    this.forward = createProxyMiddleware({
      ws: false, // we hand upgrades in ourselves, only for the WebSocket route
      upgradeTimeout: settings.upgradeTimeoutMs,
      router: (req) => this.tunnelOf(req).target,
      on: {
        proxyReqWs: (proxyReq, req, clientSocket) => {
          const tunnel = this.tunnelOf(req);
          proxyReq.once('response', () => tunnel.answered());
          proxyReq.once('upgrade', (_res, instanceSocket: Socket) => {
            tunnel.answered();
            this.pair(clientSocket, instanceSocket);
          });
        },
        error: (error, req, clientSocket) => {
          const socket = clientSocket as Duplex;
          const tunnel = this.tunnels.get(req);
          // The client hung up before the instance answered (httpxy reports it as a reset): not the instance's fault.
          if (tunnel?.clientLeft || socket.errored) {
            this.log.debug(`WebSocket to ${tunnel?.instanceId ?? 'instance'}: the client went away`);
          } else {
            if (tunnel)
              noteFailure(
                this.upstreams.pool(tunnel.route.service),
                this.metrics,
                tunnel.instanceId,
                classifyFailure(error),
              );
            this.log.warn(`WebSocket to ${tunnel?.instanceId ?? 'instance'} failed: ${error.message}`);
          }
          if (!socket.destroyed) socket.destroy();
        },
      },
    });
  }

  /** How many client WebSockets are tunnelled right now. */
  get openCount(): number {
    return this.open.size;
  }

  handle(req: IncomingMessage, socket: Duplex, head: Buffer, route: Route): void {
    setForwardedHeaders(req, this.proxies, true);
    const instance = this.upstreams.pool(route.service).leastLoaded((id) => this.openOn.get(id) ?? 0);
    if (!instance) return refuseUpgrade(socket, noHealthyInstance(route.service), this.answerHeaders);
    // Node's HTTP sockets are half-open: a client that hangs up before the answer is seen only as
    // the end of its input. Left open, it would wait out GATEWAY_UPGRADE_TIMEOUT_MS and blame the instance.
    const hangUp = () => {
      tunnel.clientLeft = true;
      socket.destroy();
    };
    const tunnel: Tunnel = {
      target: instanceUrl(instance),
      instanceId: instance.id,
      route,
      clientLeft: false,
      answered: () => socket.removeListener('end', hangUp),
    };
    socket.once('end', hangUp);
    this.tunnels.set(req, tunnel);
    this.open.add(socket);
    this.openOn.set(instance.id, (this.openOn.get(instance.id) ?? 0) + 1);
    socket.once('close', () => {
      this.open.delete(socket);
      const left = (this.openOn.get(instance.id) ?? 1) - 1;
      if (left > 0) this.openOn.set(instance.id, left);
      else this.openOn.delete(instance.id);
    });
    this.forward.upgrade(req, socket as Socket, head);
  }

  /** Cuts every open tunnel (last step of a shutdown, after the grace period). */
  closeAll(): void {
    for (const socket of this.open) socket.destroy();
  }

  refuse(socket: Duplex, statusCode: number, message: string, headers: Record<string, string> = {}): void {
    refuseUpgrade(socket, errorBody(statusCode, message), { ...this.answerHeaders, ...headers });
  }

  private tunnelOf(req: IncomingMessage): Tunnel {
    const tunnel = this.tunnels.get(req);
    if (!tunnel) throw new Error('upgrade reached the proxy without a chosen instance');
    return tunnel;
  }

  private pair(client: Duplex, instance: Socket): void {
    follow(client, instance);
    follow(instance, client);
  }
}

/** When `gone` closes, end `other` gracefully (pending bytes such as a close frame still flow), then cut it if it lingers. */
function follow(gone: Duplex, other: Duplex): void {
  gone.once('close', () => {
    if (other.destroyed) return;
    other.end();
    setTimeout(() => other.destroy(), LINGER_MS).unref();
  });
}

const LINGER_MS = 2_000;
