import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Logger, type LoggerService } from '@nestjs/common';
import { WebSocketServer, type WebSocket } from 'ws';
import type { UpgradeRefusal } from '../api/stomp-authenticator';
import { resolveLimits, type StompLimits } from '../limits';
import { SubscriptionIndex } from '../routing/subscription-index';
import type { HeartbeatOffer } from '../session/negotiation';
import { StompConnection, type ConnectionEnvironment } from '../session/stomp-connection';
import { SessionRegistry } from './session-registry';
import { MessageIds, StompBroker } from './stomp-broker';
import { StompHandlers } from './stomp-handlers';

export interface StompServerOptions {
  /**
   * WebSocket upgrade path on the HTTP server, e.g. `/ws-chat`. An upgrade to another path is
   * answered 404 and its socket destroyed, unless another `upgrade` listener on the server may
   * want it (then it is that listener's business).
   */
  path: string;
  limits?: Partial<StompLimits>;
  /**
   * What the server offers in CONNECTED: the least interval it sends heart-beats at and the one
   * it wants them at (default 1000, 1000). Each direction then runs at the larger of this and
   * what the client asks, so a client asking for 1 s gets 1 s and one asking for 10 s gets 10 s.
   */
  heartbeat?: HeartbeatOffer;
  /** The CONNECTED `server` header (default `playlist-chat-stomp/0.1`). */
  serverName?: string;
  /**
   * More CONNECTED headers, for what a client should know from the start (the chat server's
   * longest line). They cannot replace the standard ones (`version`, `heart-beat`, `server`,
   * `session`). CONNECTED is never escaped (STOMP 1.2), so a value may not hold CR or LF.
   */
  connectedHeaders?: Readonly<Record<string, string>>;
  /** How long `close()` waits for clients to close after the shutdown ERROR before cutting them off (default 2000). */
  shutdownGraceMs?: number;
  /**
   * The `/user/…` destinations a session may subscribe to (each delivers only what is sent to
   * the subscriber's own user), besides those with a subscribe route. Another is refused with
   * `unknown-destination`, so a misspelt one is not a silent subscription that never hears
   * anything. Default: any `/user/…` destination.
   */
  userDestinations?: readonly string[];
}

export const DEFAULT_HEARTBEAT: Readonly<HeartbeatOffer> = Object.freeze({
  outgoingMs: 1_000,
  incomingMs: 1_000,
});

/** WebSocket subprotocols of STOMP, in order of preference. */
const SUBPROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'];

/**
 * The STOMP endpoint on an HTTP server: accepts WebSocket upgrades on one path and runs a
 * `StompConnection` per socket. Independent of Nest (the Nest module wraps it), so it can be
 * used from plain code such as the benchmarks.
 */
export class StompServer {
  readonly handlers = new StompHandlers();
  readonly broker: StompBroker;
  readonly limits: StompLimits;
  private readonly index: SubscriptionIndex;
  private readonly registry = new SessionRegistry();
  private readonly connections = new Set<StompConnection>();
  private readonly wss: WebSocketServer;
  private readonly env: ConnectionEnvironment;
  private readonly sessionIdPrefix = randomBytes(3).toString('hex');
  private sessionCounter = 0;
  private httpServer: Server | undefined;
  private closing = false;
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    this.upgrade(request, socket, head);

  constructor(
    private readonly options: StompServerOptions,
    private readonly logger: LoggerService = new Logger('Stomp'),
  ) {
    this.limits = resolveLimits(options.limits);
    this.index = new SubscriptionIndex((error) => {
      logger.error(`destination listener failed: ${describe(error)}`, undefined, 'Stomp');
    });
    const ids = new MessageIds();
    this.broker = new StompBroker(this.index, this.registry, ids);
    this.wss = new WebSocketServer({
      noServer: true,
      // ws buffers a whole WebSocket message before we see it; this bounds that. Frames over
      // maxFrameBytes but under this get a STOMP ERROR from the parser; larger messages get the
      // same ERROR from StompConnection before ws closes with 1009.
      maxPayload: Math.max(this.limits.maxFrameBytes * 4, 256 * 1024),
      perMessageDeflate: false,
      // `connections` already tracks every session and close() ends them all before closing
      // the server; ws's own tracking would add a Set entry and a close listener per socket.
      clientTracking: false,
      // STOMP is bytes: a text message with invalid UTF-8 gets a STOMP ERROR (or is a valid
      // body), not a bare WebSocket close 1007. Also saves validating every inbound byte.
      skipUTF8Validation: true,
      handleProtocols: (offered) => SUBPROTOCOLS.find((protocol) => offered.has(protocol)) ?? false,
    });
    const heartbeat = options.heartbeat ?? DEFAULT_HEARTBEAT;
    this.env = {
      handlers: this.handlers,
      limits: this.limits,
      heartbeat,
      serverName: options.serverName ?? 'playlist-chat-stomp/0.1',
      connectedHeaders: checkedConnectedHeaders(options.connectedHeaders ?? {}),
      userDestinations: options.userDestinations && new Set(options.userDestinations),
      index: this.index,
      logger,
      frames: this.broker.frames,
      nextMessageId: () => ids.next(),
      nextSessionId: () => `${this.sessionIdPrefix}-${(this.sessionCounter += 1).toString(36)}`,
      connected: (connection) => this.registry.add(connection),
      ended: (connection) => {
        this.registry.remove(connection);
        this.connections.delete(connection);
      },
    };
  }

  get path(): string {
    return this.options.path;
  }

  /** Open WebSocket connections, connected or not. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Starts answering upgrades for `path` on `server`. */
  attach(server: Server): void {
    if (this.httpServer) throw new Error('StompServer is already attached to an HTTP server');
    this.httpServer = server;
    server.on('upgrade', this.onUpgrade);
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (pathOf(request.url) !== this.options.path) {
      // Alone on the server nobody else will answer: without this the socket would hang open.
      if (this.httpServer && this.httpServer.listenerCount('upgrade') === 1)
        refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    if (this.closing) return refuseUpgrade(socket, 503, 'Service Unavailable');
    const authenticator = this.handlers.authenticator;
    if (authenticator?.checkUpgrade) {
      let refusal: string | UpgradeRefusal | undefined;
      try {
        refusal = authenticator.checkUpgrade(request);
      } catch (error) {
        refusal = `checkUpgrade failed: ${describe(error)}`;
      }
      if (refusal !== undefined) {
        const reason = typeof refusal === 'string' ? refusal : refusal.reason;
        this.logger.warn(
          `WebSocket upgrade from ${request.socket.remoteAddress ?? '?'} refused: ${reason}`,
          'Stomp',
        );
        if (typeof refusal === 'string') return refuseUpgrade(socket, 403, 'Forbidden');
        return refuseUpgrade(socket, refusal.status, STATUS_CODES[refusal.status] ?? 'Refused', refusal.body);
      }
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, socket, request));
  }

  private accept(ws: WebSocket, socket: Duplex, request: IncomingMessage): void {
    if (this.closing) {
      ws.terminate();
      return;
    }
    this.connections.add(new StompConnection(ws, socket, request, this.env));
  }

  /**
   * Graceful stop: no new upgrades; every session gets `ERROR message:server shutting down`
   * and is closed; sockets still open after `shutdownGraceMs` are cut off.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.httpServer?.off('upgrade', this.onUpgrade);
    for (const connection of this.connections) connection.shutdown();
    const deadline = Date.now() + (this.options.shutdownGraceMs ?? 2_000);
    while (this.connections.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const connection of this.connections) connection.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function pathOf(url: string | undefined): string {
  if (!url) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function refuseUpgrade(socket: Duplex, status: number, text: string, body?: object): void {
  socket.once('finish', () => socket.destroy());
  const json = body === undefined ? '' : JSON.stringify(body);
  const type = body === undefined ? '' : 'Content-Type: application/json; charset=utf-8\r\n';
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${type}Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** The standard CONNECTED headers (STOMP 1.2): the server's own, never an app's. */
const STANDARD_CONNECTED = new Set(['version', 'heart-beat', 'server', 'session']);

/** Refuses at construction what would make a CONNECTED frame wrong, so no client ever sees it. */
function checkedConnectedHeaders(
  headers: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  for (const name of Object.keys(headers)) {
    if (STANDARD_CONNECTED.has(name))
      throw new Error(`connectedHeaders: ${name} is a standard CONNECTED header`);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
      throw new Error(`connectedHeaders: ${JSON.stringify(name)} is not a plain header name`);
    if (/[\r\n]/.test(headers[name])) throw new Error(`connectedHeaders: ${name}'s value holds CR or LF`);
  }
  return Object.freeze({ ...headers });
}
