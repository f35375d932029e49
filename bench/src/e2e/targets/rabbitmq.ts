import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from 'node:net';
import { freePort, waitUntilReady, type Outgoing, type PreparedRoom, type Target } from './target';

const RABBIT_BIN = '/usr/lib/rabbitmq/bin';
const run = promisify(execFile);

/**
 * The peer: RabbitMQ's Web-STOMP plugin (Debian's `rabbitmq-server`), as a private node of its
 * own (name, ports, data, cookie, logs in a temp folder) started and stopped by the bench, so a
 * RabbitMQ the machine already runs is left alone. AMQP is off; guest may log in from loopback.
 * Rooms are topics (`/topic/room.<n>`); a line's body is its content, as is.
 */
export class RabbitMqTarget implements Target {
  readonly name = 'rabbitmq' as const;
  readonly protocols = ['v12.stomp'];
  readonly notes = ['private node, Web-STOMP only, default settings'];
  private rooms = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly wsUrl: string,
    readonly pid: number,
    private readonly node: string,
    private readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Why the peer cannot run here, or null when it can. */
  static unavailable(): string | null {
    return existsSync(join(RABBIT_BIN, 'rabbitmq-server'))
      ? null
      : `${RABBIT_BIN}/rabbitmq-server is not installed (Debian package rabbitmq-server)`;
  }

  static async start(): Promise<RabbitMqTarget> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-rabbitmq-'));
    const home = join(dir, 'home');
    mkdirSync(home);
    writeFileSync(join(home, '.erlang.cookie'), randomBytes(16).toString('hex'));
    chmodSync(join(home, '.erlang.cookie'), 0o600);
    const [stompPort, distPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_web_stomp].\n');
    writeFileSync(
      join(dir, 'rabbitmq.conf'),
      [
        'listeners.tcp = none',
        'stomp.listeners.tcp = none',
        `web_stomp.tcp.port = ${stompPort}`,
        'web_stomp.tcp.ip = 127.0.0.1',
        'loopback_users = none',
      ].join('\n') + '\n',
    );
    const node = `bench-${randomBytes(4).toString('hex')}@localhost`;
    const env = {
      ...process.env,
      HOME: home,
      RABBITMQ_NODENAME: node,
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    };
    const child = spawn(join(RABBIT_BIN, 'rabbitmq-server'), [], {
      cwd: dir,
      env,
      stdio: process.env.BENCH_RABBIT_LOG ? 'inherit' : 'ignore',
    });
    const listening = () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(stompPort, '127.0.0.1', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
    let pid: number | undefined;
    try {
      await waitUntilReady(
        'RabbitMQ Web-STOMP',
        listening,
        () => (child.exitCode === null ? null : `rabbitmq-server exited with ${child.exitCode}`),
        90_000,
      );
      pid = beamUnder(child.pid!);
    } catch (error) {
      // Whatever came up goes down with it: a stray node would hold ports and memory.
      await run(join(RABBIT_BIN, 'rabbitmqctl'), ['-n', node, 'stop'], { env, timeout: 30_000 }).catch(
        () => undefined,
      );
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new RabbitMqTarget(child, `ws://127.0.0.1:${stompPort}/ws`, pid, node, dir, env);
  }

  async createRooms(count: number): Promise<PreparedRoom[]> {
    return Array.from({ length: count }, () => {
      const n = ++this.rooms;
      return { id: `room.${n}`, destination: `/topic/room.${n}` };
    });
  }

  connectHeaders(): Record<string, string> {
    return { login: 'guest', passcode: 'guest', host: '/' };
  }

  join(): null {
    return null;
  }

  line(room: PreparedRoom, content: string): Outgoing {
    return { destination: room.destination, body: content };
  }

  async stop(): Promise<void> {
    await run(join(RABBIT_BIN, 'rabbitmqctl'), ['-n', this.node, 'stop'], {
      env: this.env,
      timeout: 30_000,
    }).catch(() => undefined);
    try {
      process.kill(this.pid, 0);
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The Erlang VM started under `root` (the process whose CPU and memory are RabbitMQ's). */
function beamUnder(root: number): number {
  const parentOf = new Map<number, number>();
  const beams: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (stat.includes('(beam.smp)')) beams.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  for (const beam of beams) {
    for (let pid: number | undefined = beam; pid && pid > 1; pid = parentOf.get(pid))
      if (pid === root) return beam;
  }
  throw new Error(`no beam.smp process under pid ${root}`);
}
