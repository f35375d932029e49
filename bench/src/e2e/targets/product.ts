import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProductProcess, type ProductProcess } from '../../product-process';
import type { Outgoing, PreparedRoom, Target } from './target';

/**
 * Limits raised so the bench's own users are not refused: every client is on 127.0.0.1 and a
 * sender posts many lines a second. Everything else (auth, membership, presence, SQLite
 * persistence, fan-out) runs as shipped.
 */
const RAISED_LIMITS: Record<string, string> = {
  CHAT_SEND_RATE_LIMIT: '100000',
  CHAT_MAX_CONNECTIONS_PER_ADDRESS: '100000',
};

/** Through the gateway every client is one address too: its per-address rate limit is lifted as well. */
const RAISED_GATEWAY_LIMITS: Record<string, string> = { ...RAISED_LIMITS, GATEWAY_RATE_LIMIT_PER_MIN: '0' };

const JSON_TYPE = { 'content-type': 'application/json' };

type ProductTargetName = 'product' | 'product-gateway' | 'baseline';

/**
 * The real single node (`single-node/dist/main.js`, built), on a fresh data folder. Its STOMP
 * load goes to the chat server's own port (`product`) or, as a web client's does, through the
 * gateway's /ws-chat (`product-gateway`); rooms are made on the chat port either way.
 */
export class ProductTarget implements Target {
  readonly protocols = ['v12.stomp'];
  readonly notes: readonly string[];
  private rooms = 0;

  private constructor(
    private readonly node: ProductProcess,
    private readonly dataDir: string,
    readonly name: ProductTargetName,
    limits: Readonly<Record<string, string>>,
  ) {
    this.notes = Object.entries(limits).map(([setting, value]) => `${setting}=${value}`);
  }

  get pid(): number {
    return this.node.pid;
  }

  get wsUrl(): string {
    const base = this.name === 'product-gateway' ? this.node.gatewayUrl : this.node.chatUrl;
    return `${base.replace('http', 'ws')}/ws-chat`;
  }

  /**
   * `product` (this checkout, chat port), `product-gateway` (this checkout, through the gateway) or
   * `baseline` (the built single node of checkout `root`, chat port).
   */
  static async start(name: ProductTargetName = 'product', root?: string): Promise<ProductTarget> {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-product-'));
    const viaGateway = name === 'product-gateway';
    const limits = viaGateway ? RAISED_GATEWAY_LIMITS : RAISED_LIMITS;
    try {
      const node = await startProductProcess({
        dataDir,
        limits,
        root: name === 'baseline' ? root : undefined,
      });
      return new ProductTarget(node, dataDir, name, limits);
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  async createRooms(count: number): Promise<PreparedRoom[]> {
    const rooms: PreparedRoom[] = [];
    for (let i = 0; i < count; i++) {
      const n = ++this.rooms;
      const response = await fetch(`${this.node.chatUrl}/v1/api/rooms/create`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.node.token('bench-owner', 'rooms:create')}`,
        },
        body: JSON.stringify({
          uid: 'bench-owner',
          userName: 'Bench owner',
          playlist: {
            id: `bench-playlist-${n}`,
            name: `Bench room ${n}`,
            musics: [
              {
                title: 'So What',
                artist: 'Miles Davis',
                playtime: '9:22',
                thumbnail: 'https://img.example.com/a.jpg',
              },
            ],
          },
        }),
      });
      const room = (await response.json()) as { id?: string };
      if (!response.ok || !room.id)
        throw new Error(`room create answered ${response.status}: ${JSON.stringify(room)}`);
      rooms.push({ id: room.id, destination: `/chat/topic/room/${room.id}` });
    }
    return rooms;
  }

  connectHeaders(uid: string): Record<string, string> {
    return { Authorization: `Bearer ${this.node.token(uid)}` };
  }

  join(room: PreparedRoom): Outgoing {
    return { destination: '/chat/pub/join', body: JSON.stringify({ roomId: room.id }), headers: JSON_TYPE };
  }

  line(room: PreparedRoom, content: string, clientMessageId: string): Outgoing {
    return {
      destination: '/chat/pub/send',
      body: JSON.stringify({ roomId: room.id, content, clientMessageId }),
      headers: JSON_TYPE,
    };
  }

  async stop(): Promise<void> {
    await this.node.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
