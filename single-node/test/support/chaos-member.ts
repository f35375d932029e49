import type { ChatMessage } from '@playlist-chat/contracts';
import { TestStompClient, type Inbox } from '../../../chat-server/test/support/stomp-client';

export interface Line {
  readonly roomId: string;
  readonly clientMessageId: string;
  readonly content: string;
}

/**
 * One person's client as a careful app behaves through a fault: when its connection drops it
 * connects again (through the gateway), resubscribes from the last line it has
 * (`last-message-id`), and resends every line that got no RECEIPT, with the same client id.
 */
export class ChaosMember {
  /** Every stored line this member was delivered, in the order it arrived, repeats included. */
  readonly delivered: ChatMessage[] = [];
  /** Client ids whose SEND was answered by a RECEIPT. */
  readonly receipted = new Set<string>();
  reconnects = 0;
  private readonly unconfirmed = new Map<string, Line>();
  private client: TestStompClient | undefined;
  private inboxes: Inbox[] = [];
  private stopped = false;
  private reconnecting: Promise<void> | undefined;

  constructor(
    readonly uid: string,
    private readonly token: string,
    private readonly wsUrl: string,
    private readonly roomId: string,
  ) {}

  async start(): Promise<void> {
    await this.connect(true);
  }

  /** Sends with a receipt; a line whose connection dropped first is resent after the reconnect. */
  async send(line: Line): Promise<void> {
    this.unconfirmed.set(line.clientMessageId, line);
    await this.trySend(line);
  }

  get lastId(): string | null {
    const ids = this.stored().map((line) => line.messageId as string);
    return ids.length ? ids.reduce((a, b) => (a > b ? a : b)) : null;
  }

  /** Lines still without a RECEIPT. */
  get pending(): number {
    return this.unconfirmed.size;
  }

  stored(): ChatMessage[] {
    return this.delivered.filter((line) => line.messageId !== null);
  }

  /** Waits until no reconnect is under way and every line has its RECEIPT. */
  async settle(deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      if (!this.reconnecting && this.unconfirmed.size === 0 && this.client && !this.client.isClosed) return;
      if (!this.reconnecting && (!this.client || this.client.isClosed)) void this.reconnect();
      for (const line of this.unconfirmed.values()) void this.trySend(line);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${this.uid}: ${this.unconfirmed.size} line(s) still without a RECEIPT`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.disconnect().catch(() => undefined);
  }

  private async trySend(line: Line): Promise<void> {
    const client = this.client;
    if (!client || client.isClosed) return; // resent after the reconnect
    try {
      await client.send('/chat/pub/send', line);
      this.receipted.add(line.clientMessageId);
      this.unconfirmed.delete(line.clientMessageId);
    } catch {
      // Connection dropped before the RECEIPT: the line may or may not be stored; resend later.
    }
  }

  private async connect(first: boolean): Promise<void> {
    const client = await TestStompClient.connect(this.wsUrl, this.token);
    if (first) await client.send('/chat/pub/join', { roomId: this.roomId });
    const last = this.lastId;
    const inbox = await client.subscribe(
      `/chat/topic/room/${this.roomId}`,
      last ? { 'last-message-id': last } : {},
    );
    this.inboxes.push(inbox);
    this.client = client;
    void client.closed.then(() => {
      if (!this.stopped) void this.reconnect();
    });
    // Subscribing read the inbox so far: move what it holds into `delivered` as it arrives.
    const pump = setInterval(() => this.drain(), 20);
    void client.closed.then(() => {
      clearInterval(pump);
      this.drain();
    });
    for (const line of this.unconfirmed.values()) void this.trySend(line);
  }

  private drainedCount = new Map<Inbox, number>();

  private drain(): void {
    for (const inbox of this.inboxes) {
      const bodies = inbox.bodies<ChatMessage>();
      const from = this.drainedCount.get(inbox) ?? 0;
      this.delivered.push(...bodies.slice(from));
      this.drainedCount.set(inbox, bodies.length);
    }
  }

  private reconnect(): Promise<void> {
    this.reconnecting ??= (async () => {
      this.drain();
      for (let attempt = 0; !this.stopped; attempt += 1) {
        try {
          await this.connect(false);
          this.reconnects += 1;
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 100 * 2 ** attempt)));
        }
      }
    })().finally(() => (this.reconnecting = undefined));
    return this.reconnecting;
  }
}
