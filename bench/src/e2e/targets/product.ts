import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitUntil, type Outgoing, type PreparedRoom, type Target } from './target';

const repoRoot = join(__dirname, '..', '..', '..', '..');

/**
 * Limits raised so the bench's own users are not refused: every client is on 127.0.0.1 and a
 * sender posts many lines a second. Everything else (auth, membership, presence, SQLite
 * persistence, fan-out) runs as shipped.
 */
const RAISED_LIMITS: Record<string, string> = {
  CHAT_SEND_RATE_LIMIT: '100000',
  CHAT_MAX_CONNECTIONS_PER_ADDRESS: '100000',
};

/** The real single node (`single-node/dist/main.js`, built), on a fresh data folder; load goes to its chat port. */
export class ProductTarget implements Target {
  readonly name = 'product' as const;
  readonly protocols = ['v12.stomp'];
  readonly notes = Object.entries(RAISED_LIMITS).map(([name, value]) => `${name}=${value}`);
  private rooms = 0;

  private constructor(
    private readonly child: ChildProcess,
    private readonly chatUrl: string,
    private readonly dataDir: string,
    private readonly secret: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  get wsUrl(): string {
    return `${this.chatUrl.replace('http', 'ws')}/ws-chat`;
  }

  static async start(): Promise<ProductTarget> {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-product-'));
    const [chat, gateway, presence] = [await freePort(), await freePort(), await freePort()];
    const secret = randomBytes(32).toString('hex');
    const child = spawn(process.execPath, [join(repoRoot, 'single-node', 'dist', 'main.js')], {
      cwd: dataDir,
      env: {
        ...process.env,
        ...RAISED_LIMITS,
        CHAT_PORT: String(chat),
        GATEWAY_PORT: String(gateway),
        PRESENCE_PORT: String(presence),
        DATA_DIR: dataDir,
        AUTH_JWT_SECRET: secret,
        LOG_LEVEL: 'warn',
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const chatUrl = `http://127.0.0.1:${chat}`;
    const target = new ProductTarget(child, chatUrl, dataDir, secret);
    await waitUntil(
      'the product',
      async () => {
        if (child.exitCode !== null) throw new Error(`the product exited with ${child.exitCode}`);
        return (await fetch(`${chatUrl}/health/ready`)).ok;
      },
      60_000,
    );
    return target;
  }

  async createRooms(count: number): Promise<PreparedRoom[]> {
    const rooms: PreparedRoom[] = [];
    for (let i = 0; i < count; i++) {
      const n = ++this.rooms;
      const response = await fetch(`${this.chatUrl}/v1/api/rooms/create`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.token('bench-owner', 'rooms:create')}`,
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
    return { Authorization: `Bearer ${this.token(uid)}` };
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
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** An HS256 access token as the platform verifies them (sub, name, exp within the allowed lifetime). */
  private token(uid: string, scope?: string): string {
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: uid, name: uid, iat: now, exp: now + 3600, ...(scope ? { scope } : {}) })}`;
    return `${unsigned}.${createHmac('sha256', this.secret).update(unsigned).digest('base64url')}`;
  }
}

const JSON_TYPE = { 'content-type': 'application/json' };
