import { expectEventually } from '@playlist-chat/platform/testing';
import WebSocket from 'ws';

/**
 * A STOMP client that speaks bytes: sends exactly what a test writes and records exactly what
 * the server sent, so tests can assert on the wire format.
 */
export class RawClient {
  /** Every WebSocket message received, in order. */
  readonly messages: { data: Buffer; binary: boolean }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  isClosed = false;
  private decoded = '';
  private decodedUpTo = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, binary) => this.messages.push({ data, binary }));
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.isClosed = true;
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  static async open(url: string, protocols: string[] = ['v12.stomp']): Promise<RawClient> {
    const client = new RawClient(new WebSocket(url, protocols)); // listening before the first message can arrive
    await new Promise<void>((resolve, reject) => {
      client.ws.once('open', () => resolve());
      client.ws.once('error', reject);
    });
    return client;
  }

  /** Number of heart-beats (WebSocket messages holding only an EOL) received. */
  get heartbeats(): number {
    return this.messages.filter((m) => m.data.length === 1 && m.data[0] === 0x0a).length;
  }

  /** Everything received so far as one UTF-8 string (the STOMP byte stream). */
  get text(): string {
    if (this.decodedUpTo < this.messages.length) {
      // Frames never end mid-message from this server, so messages decode one by one.
      this.decoded += Buffer.concat(this.messages.slice(this.decodedUpTo).map((m) => m.data)).toString(
        'utf8',
      );
      this.decodedUpTo = this.messages.length;
    }
    return this.decoded;
  }

  send(data: string | Buffer, binary = typeof data !== 'string'): void {
    this.ws.send(data, { binary });
  }

  /** Waits until the received stream contains `needle` (or matches it) and returns the stream. */
  async waitFor(needle: string | RegExp, timeoutMs = 5_000): Promise<string> {
    return expectEventually(
      () => {
        const text = this.text;
        if (typeof needle === 'string' ? !text.includes(needle) : !needle.test(text)) {
          throw new Error(`did not receive ${String(needle)}; got ${JSON.stringify(text)}`);
        }
        return text;
      },
      { timeoutMs },
    );
  }

  /** CONNECT with `accept-version` (and any other headers); resolves with the CONNECTED frame. */
  async connect(headers: Record<string, string> = {}, acceptVersion = '1.2'): Promise<string> {
    const all = { 'accept-version': acceptVersion, host: 'test', ...headers };
    this.send(
      `CONNECT\n${Object.entries(all)
        .map(([k, v]) => `${k}:${v}\n`)
        .join('')}\n\0`,
    );
    const text = await this.waitFor(/CONNECTED\n[^\0]*\0/);
    return /CONNECTED\n[^\0]*\0/.exec(text)![0];
  }

  /** Number of times `needle` occurs in the received stream. */
  count(needle: string): number {
    return this.text.split(needle).length - 1;
  }

  close(): void {
    this.ws.close();
  }
}

/** The received stream with the CONNECTED frame removed, for byte-exact comparisons of what followed it. */
export function afterConnected(text: string): string {
  return text.replace(/^CONNECTED\n[^\0]*\0/, '');
}

/** The ERROR frame's headers, once the server closed the session. */
export async function errorHeaders(client: RawClient): Promise<Record<string, string>> {
  await client.closed;
  const error = /ERROR\n([^]*?)\n\n/.exec(afterConnected(client.text));
  if (!error) throw new Error(`no ERROR frame; got ${JSON.stringify(client.text.slice(0, 300))}`);
  return Object.fromEntries(
    error[1].split('\n').map((line): [string, string] => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1)];
    }),
  );
}
