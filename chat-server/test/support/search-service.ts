import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RoomIndexRequest } from '../../src/search-index/search-indexer.port';

/** A tiny real search service: records index requests; answers 503 while `failing`, after `delayMs`. */
export class FakeSearchService {
  readonly received: RoomIndexRequest[] = [];
  failing = false;
  delayMs = 0;
  attemptsWhileFailing = 0;
  private server: Server | undefined;

  async listen(port: number): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method !== 'POST' || request.url !== '/search/index/send') {
          response.writeHead(404).end();
          return;
        }
        if (this.failing) {
          this.attemptsWhileFailing += 1;
          response.writeHead(503).end('busy');
          return;
        }
        this.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as RoomIndexRequest);
        setTimeout(
          () => response.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}'),
          this.delayMs,
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
