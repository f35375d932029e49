import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type Outgoing, type PreparedRoom, type Target, type TargetName } from './target';

type BareWsName = Extract<TargetName, 'bare-ws' | 'bare-ws-stored'>;

/**
 * The bare `ws` baseline (`bare-ws-server.ts`) in a process of its own: `bare-ws` the sockets
 * alone, `bare-ws-stored` the sockets plus the chat server's SQLite store (in a temporary data
 * folder, removed when it stops), each line committed before it is delivered.
 */
export class BareWsTarget implements Target {
  readonly protocols = ['v12.stomp'];
  readonly notes: string[] = [];

  private constructor(
    readonly name: BareWsName,
    private readonly child: ChildProcess,
    readonly wsUrl: string,
    /** The stored variant's data folder. */
    readonly dataDir: string | null,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(name: BareWsName): Promise<BareWsTarget> {
    const port = await freePort();
    const dataDir = name === 'bare-ws-stored' ? mkdtempSync(join(tmpdir(), 'bare-ws-stored-')) : null;
    const args = dataDir === null ? [String(port)] : [String(port), dataDir];
    const child = fork(join(__dirname, 'bare-ws-server.js'), args, { stdio: 'inherit' });
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`bare ws server exited with ${code}`)));
      });
    } catch (error) {
      if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
    return new BareWsTarget(name, child, `ws://127.0.0.1:${port}/ws-chat`, dataDir);
  }

  async createRooms(count: number): Promise<PreparedRoom[]> {
    return Array.from({ length: count }, () => {
      const id = randomUUID();
      return { id, destination: `/chat/topic/room/${id}` };
    });
  }

  connectHeaders(uid: string): Record<string, string> {
    return { login: uid };
  }

  /** The stored variant's members join first, as the product's do: its store moves their read position. */
  join(room: PreparedRoom): Outgoing | null {
    if (this.dataDir === null) return null;
    return {
      destination: '/chat/pub/join',
      body: JSON.stringify({ roomId: room.id }),
      headers: { 'content-type': 'application/json' },
    };
  }

  line(room: PreparedRoom, content: string, clientMessageId: string): Outgoing {
    return {
      destination: '/chat/pub/send',
      body: JSON.stringify({ roomId: room.id, content, clientMessageId }),
      headers: { 'content-type': 'application/json' },
    };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    if (this.dataDir !== null) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
