import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServiceRegistry } from '@playlist-chat/platform';
import { listInstance } from './list-instance';

/** What a test backend saw of one request (its answer to every request is this, as JSON). */
export interface Seen {
  readonly instance: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface BackendBehaviour {
  /** Wait this long before answering. */
  delayMs?: number;
  /** Drop the connection after reading the request, without answering. */
  hangUp?: boolean;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/**
 * A tiny real HTTP + WebSocket server standing in for a service instance: it answers every request
 * with what it saw, serves `/health` and `/docs-json`, and echoes WebSocket messages prefixed with
 * its name. Tests change its behaviour on the fly and read what it saw.
 */
export class TestBackend {
  readonly seen: Seen[] = [];
  readonly sockets = new Set<WebSocket>();
  /** The request headers of each WebSocket upgrade it accepted. */
  readonly upgrades: IncomingMessage['headers'][] = [];
  behaviour: BackendBehaviour = {};
  private readonly connections = new Set<Socket>();
  /** Every connection that carried a proxied request (not /health, not /docs-json), open or closed. */
  private readonly requestConnections = new Set<Socket>();

  private constructor(
    readonly name: string,
    readonly service: string,
    private readonly server: Server,
    private readonly wss: WebSocketServer,
  ) {}

  /** How many connections proxied requests arrived on. */
  get requestConnectionCount(): number {
    return this.requestConnections.size;
  }

  static async start(name: string, service: string): Promise<TestBackend> {
    const server = createServer();
    const wss = new WebSocketServer({ server, path: '/ws-chat' });
    const backend = new TestBackend(name, service, server, wss);
    server.on('connection', (socket) => {
      backend.connections.add(socket);
      socket.once('close', () => backend.connections.delete(socket));
    });
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/health') return res.end('ok');
        if (req.url === '/docs-json') {
          res.setHeader('content-type', 'application/json');
          return res.end(
            JSON.stringify({
              openapi: '3.0.0',
              info: { title: name, version: '1' },
              // One path the gateway routes to this service, one it does not (internal-only).
              paths: {
                [service === 'presence-server' ? '/api/v1/presence/{roomId}' : `/v1/api/${service}`]: {},
                [`/internal/${service}`]: {},
              },
              servers: [{ url: 'http://internal' }],
            }),
          );
        }
        const seen: Seen = {
          instance: name,
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        };
        backend.seen.push(seen);
        backend.requestConnections.add(req.socket);
        const { delayMs = 0, hangUp = false, headers = {} } = backend.behaviour;
        if (hangUp) return req.socket.destroy();
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(seen));
        }, delayMs);
      });
    });
    wss.on('connection', (ws, req) => {
      backend.upgrades.push(req.headers);
      backend.sockets.add(ws);
      ws.once('close', () => backend.sockets.delete(ws));
      ws.send(`hello from ${name} ${String(req.headers['x-forwarded-for'] ?? '')}`.trim());
      ws.on('message', (data: Buffer, isBinary) =>
        ws.send(isBinary ? data : `${name}:${data.toString()}`, { binary: isBinary }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return backend;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  register(registry: ServiceRegistry): Promise<void> {
    return listInstance(registry, {
      id: this.name,
      service: this.service,
      port: this.port,
      healthCheckIntervalMs: 100,
    });
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
