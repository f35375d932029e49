import { Client } from '@stomp/stompjs';
import WebSocket from 'ws';
import { Histogram } from '../histogram';
import { lineContent } from '../stomp-wire';
import type { PreparedRoom, Target } from '../targets/target';

const TICK_MS = 5;
/** A refused frame gets an ERROR instead of its RECEIPT: give up waiting after this. */
const RECEIPT_TIMEOUT_MS = 30_000;

interface Sender {
  readonly index: number;
  readonly room: PreparedRoom;
  readonly client: Client;
  seq: number;
}

export interface SendResult {
  sent: number;
  /** Lines sent per room (room id → count): expected deliveries follow from each room's subscribers. */
  sentPerRoom: Map<string, number>;
  receipted: number;
  refused: number;
  firstRefusal: string | null;
  receiptLatency: Histogram;
}

/** Members who talk, on `@stomp/stompjs` (what the web client uses), in the bench's main process. */
export class Senders {
  private refused = 0;
  private firstRefusal: string | null = null;

  private constructor(
    private readonly target: Target,
    private readonly senders: Sender[],
  ) {}

  /** `perRoom` senders in each room, connected and joined. */
  static async open(
    target: Target,
    rooms: PreparedRoom[],
    perRoom: number,
    offset: number,
  ): Promise<Senders> {
    const senders: Sender[] = [];
    const self = new Senders(target, senders);
    let index = offset;
    for (const room of rooms) {
      for (let k = 0; k < perRoom; k++) {
        const uid = `bench-sender-${index}`;
        const client = await self.connect(uid);
        const join = target.join(room);
        if (join) await self.withReceipt(client, join.destination, join.body, join.headers);
        senders.push({ index: index++, room, client, seq: 0 });
      }
    }
    return self;
  }

  /** Sends `rate` lines a second, spread over the senders in turn, for `durationMs`; resolves when every receipt is in (or 10 s later). */
  async run(rate: number, durationMs: number): Promise<SendResult> {
    const result: SendResult = {
      sent: 0,
      sentPerRoom: new Map(),
      receipted: 0,
      refused: 0,
      firstRefusal: null,
      receiptLatency: new Histogram(),
    };
    const refusedBefore = this.refused;
    const started = performance.now();
    let turn = 0;
    const inFlight: Promise<void>[] = [];
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = Math.min(durationMs, performance.now() - started);
        const due = Math.floor((rate * elapsed) / 1000) - result.sent;
        for (let i = 0; i < due; i++) {
          const sender = this.senders[turn++ % this.senders.length];
          sender.seq += 1;
          const line = this.target.line(
            sender.room,
            lineContent(sender.index, sender.seq),
            `c-${sender.index}-${sender.seq}`,
          );
          const sentAt = performance.now();
          result.sent += 1;
          result.sentPerRoom.set(sender.room.id, (result.sentPerRoom.get(sender.room.id) ?? 0) + 1);
          inFlight.push(
            this.withReceipt(sender.client, line.destination, line.body, line.headers).then(
              () => {
                result.receipted += 1;
                result.receiptLatency.record(performance.now() - sentAt);
              },
              () => undefined,
            ),
          );
        }
        if (elapsed >= durationMs) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });
    await Promise.race([Promise.all(inFlight), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    result.refused = this.refused - refusedBefore;
    result.firstRefusal = this.firstRefusal;
    return result;
  }

  async close(): Promise<void> {
    await Promise.all(this.senders.map((sender) => sender.client.deactivate()));
  }

  private connect(uid: string): Promise<Client> {
    const target = this.target;
    return new Promise((resolve, reject) => {
      const client = new Client({
        webSocketFactory: () => new WebSocket(target.wsUrl, [...target.protocols]),
        connectHeaders: target.connectHeaders(uid),
        heartbeatIncoming: 0,
        heartbeatOutgoing: 0,
        reconnectDelay: 0,
        debug: () => {},
        onConnect: () => resolve(client),
        onStompError: (frame) => {
          this.refused += 1;
          this.firstRefusal ??= `${frame.headers.message ?? 'ERROR'} ${frame.body}`.trim();
          reject(new Error(frame.headers.message));
        },
        onWebSocketError: () => reject(new Error(`WebSocket to ${target.wsUrl} failed`)),
      });
      client.activate();
    });
  }

  private receipts = 0;

  private withReceipt(
    client: Client,
    destination: string,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<void> {
    const receipt = `s-${++this.receipts}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no RECEIPT for ${destination}`)), RECEIPT_TIMEOUT_MS);
      client.watchForReceipt(receipt, () => {
        clearTimeout(timer);
        resolve();
      });
      client.publish({ destination, body, headers: { ...headers, receipt } });
    });
  }
}
