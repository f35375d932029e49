import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ServiceRegistry } from '@playlist-chat/platform';
import { listInstance } from './list-instance';

/** One proxied request as a faulty upstream received it. */
export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** Set when the connection it came on closed before its answer was complete (the gateway gave up on it). */
  cutAt?: number;
}

/** How a faulty upstream answers a proxied request, once it has read the whole request body. */
export type Misbehaviour = (req: IncomingMessage, res: ServerResponse, received: Received) => void;

/**
 * A real HTTP server on 127.0.0.1 standing in for a service instance that misbehaves on purpose:
 * each test gives it the answer to make (`answer`), and reads what it received and which
 * requests the gateway cut. `/health` is always answered 200, so the registry keeps it listed
 * whatever it does to other requests.
 */
export class FaultyUpstream {
  readonly received: Received[] = [];
  private readonly connections = new Set<Socket>();

  private constructor(
    readonly name: string,
    readonly service: string,
    public answer: Misbehaviour,
    private readonly server: Server,
  ) {}

  static async start(name: string, service: string, answer: Misbehaviour): Promise<FaultyUpstream> {
    const server = createServer();
    const upstream = new FaultyUpstream(name, service, answer, server);
    server.on('connection', (socket) => {
      upstream.connections.add(socket);
      socket.once('close', () => upstream.connections.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/health') return res.end('ok');
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const received: Received = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
        };
        upstream.received.push(received);
        res.once('close', () => {
          if (!res.writableFinished) received.cutAt = Date.now();
        });
        upstream.answer(req, res, received);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return upstream;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Listed healthy at once; the registry checks `/health` rarely, so only a test's own traffic reaches it. */
  register(registry: ServiceRegistry): Promise<void> {
    return listInstance(registry, {
      id: this.name,
      service: this.service,
      port: this.port,
      healthCheckIntervalMs: 60_000,
    });
  }

  async stop(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
