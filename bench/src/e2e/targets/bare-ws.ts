import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { freePort, type Outgoing, type PreparedRoom, type Target } from './target';

/** The bare `ws` baseline (`bare-ws-server.ts`) in a process of its own. */
export class BareWsTarget implements Target {
  readonly name = 'bare-ws' as const;
  readonly protocols = ['v12.stomp'];
  readonly notes: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly wsUrl: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(): Promise<BareWsTarget> {
    const port = await freePort();
    const child = fork(join(__dirname, 'bare-ws-server.js'), [String(port)], { stdio: 'inherit' });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`bare ws server exited with ${code}`)));
    });
    return new BareWsTarget(child, `ws://127.0.0.1:${port}/ws-chat`);
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

  join(): null {
    return null;
  }

  line(room: PreparedRoom, content: string, clientMessageId: string): Outgoing {
    return {
      destination: '/chat/pub/send',
      body: JSON.stringify({ roomId: room.id, content, clientMessageId }),
      headers: { 'content-type': 'application/json' },
    };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
