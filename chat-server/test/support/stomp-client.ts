import { Client, type IFrame, type IMessage, type StompSubscription } from '@stomp/stompjs';
import WebSocket from 'ws';
import type { ChatMessage } from '@playlist-chat/contracts';

/** An ERROR frame the server sent, as a rejection. */
export class StompErrorFrame extends Error {
  constructor(readonly frame: IFrame) {
    super(`${frame.headers.code ?? 'no-code'}: ${frame.headers.message ?? ''}`);
  }

  get code(): string | undefined {
    return this.frame.headers.code;
  }
}

/** What one subscription received, in order. */
export class Inbox {
  readonly messages: IMessage[] = [];
  subscription!: StompSubscription;

  bodies<T = ChatMessage>(): T[] {
    return this.messages.map((message) => JSON.parse(message.body) as T);
  }

  ofType(type: string): ChatMessage[] {
    return this.bodies().filter((body) => body.type === type);
  }
}

export interface ConnectOptions {
  /** CONNECT headers; default `Authorization: Bearer <token>`. */
  readonly connectHeaders?: Record<string, string>;
  readonly wsHeaders?: Record<string, string>;
}

let receiptCounter = 0;

/**
 * A real `@stomp/stompjs` client over a real `ws` WebSocket. Sends ask for a RECEIPT and
 * resolve on it, or reject with the ERROR frame that answered them.
 */
export class TestStompClient {
  readonly errors: IFrame[] = [];
  /** The CONNECTED frame's headers (empty until connected). */
  connectedHeaders: Readonly<Record<string, string>> = {};
  private readonly pending = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  private closedFlag = false;
  readonly closed: Promise<void>;

  private constructor(readonly client: Client) {
    this.closed = new Promise((resolve) => {
      client.onWebSocketClose = () => {
        this.closedFlag = true;
        for (const { reject } of this.pending.values())
          reject(this.errors.length ? new StompErrorFrame(this.errors[0]) : new Error('socket closed'));
        this.pending.clear();
        resolve();
      };
    });
    client.onStompError = (frame) => {
      this.errors.push(frame);
      const receiptId = frame.headers['receipt-id'];
      const waiting = receiptId ? this.pending.get(receiptId) : undefined;
      if (waiting && receiptId) {
        this.pending.delete(receiptId);
        waiting.reject(new StompErrorFrame(frame));
      }
    };
  }

  static connect(
    wsUrl: string,
    token: string | undefined,
    options: ConnectOptions = {},
  ): Promise<TestStompClient> {
    const client = new Client({
      webSocketFactory: () => new WebSocket(wsUrl, ['v12.stomp'], { headers: options.wsHeaders }),
      connectHeaders: options.connectHeaders ?? (token ? { Authorization: `Bearer ${token}` } : {}),
      reconnectDelay: 0,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
      debug: () => undefined,
    });
    const wrapper = new TestStompClient(client);
    return new Promise((resolve, reject) => {
      client.onConnect = (frame) => {
        wrapper.connectedHeaders = frame.headers;
        resolve(wrapper);
      };
      void wrapper.closed.then(() =>
        reject(
          wrapper.errors[0] ? new StompErrorFrame(wrapper.errors[0]) : new Error('closed before CONNECTED'),
        ),
      );
      client.activate();
    });
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Subscribes and waits for the server's RECEIPT, so the subscription is live when this resolves. */
  async subscribe(destination: string, headers: Record<string, string> = {}): Promise<Inbox> {
    const inbox = new Inbox();
    const receipt = this.nextReceipt();
    const done = this.waitForReceipt(receipt);
    inbox.subscription = this.client.subscribe(destination, (message) => inbox.messages.push(message), {
      ...headers,
      receipt,
    });
    await done;
    return inbox;
  }

  /** SEND with a receipt; `body` objects are JSON-encoded, strings sent as is. */
  send(destination: string, body: unknown, headers: Record<string, string> = {}): Promise<void> {
    const receipt = this.nextReceipt();
    const done = this.waitForReceipt(receipt);
    this.client.publish({
      destination,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { ...headers, receipt },
    });
    return done;
  }

  async disconnect(): Promise<void> {
    if (this.closedFlag) return;
    await this.client.deactivate();
    await this.closed;
  }

  private nextReceipt(): string {
    receiptCounter += 1;
    return `r-${receiptCounter}`;
  }

  private waitForReceipt(receipt: string): Promise<void> {
    if (this.closedFlag) return Promise.reject(new Error('socket closed'));
    return new Promise((resolve, reject) => {
      this.pending.set(receipt, { resolve, reject });
      this.client.watchForReceipt(receipt, () => {
        this.pending.delete(receipt);
        resolve();
      });
    });
  }
}
