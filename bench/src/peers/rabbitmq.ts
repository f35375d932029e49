import { execFile, spawn } from 'node:child_process';
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
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';

const RABBIT_BIN = '/usr/lib/rabbitmq/bin';
const START_TIMEOUT_MS = 90_000;
const run = promisify(execFile);

export interface RabbitWebStomp {
  /** `ws://127.0.0.1:<port>/ws`, sub-protocol `v12.stomp`. */
  readonly wsUrl: string;
  readonly login: string;
  readonly passcode: string;
  /** The Erlang VM (beam.smp): the process whose CPU and RSS are RabbitMQ's. */
  readonly pid: number;
  stop(): Promise<void>;
}

/** Why the peer cannot run on this machine, or null when it can. */
export function rabbitUnavailable(): string | null {
  return existsSync(join(RABBIT_BIN, 'rabbitmq-server'))
    ? null
    : `${RABBIT_BIN}/rabbitmq-server is not installed (Debian package rabbitmq-server)`;
}

/**
 * A private RabbitMQ node with only Web-STOMP listening (Debian's `rabbitmq-server`): its own
 * node name, ports, cookie, data and logs in a temp folder, so a RabbitMQ the machine already
 * runs is left alone. Resolves once a STOMP CONNECT over WebSocket is answered with CONNECTED.
 */
export async function startRabbitWebStomp(): Promise<RabbitWebStomp> {
  const unavailable = rabbitUnavailable();
  if (unavailable) throw new Error(unavailable);
  const dir = mkdtempSync(join(tmpdir(), 'bench-rabbitmq-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  // The node and rabbitmqctl find each other through the cookie in $HOME.
  writeFileSync(join(home, '.erlang.cookie'), randomBytes(16).toString('hex'));
  chmodSync(join(home, '.erlang.cookie'), 0o600);
  const [amqpPort, distPort, stompPort] = await distinctFreePorts(3);
  writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_web_stomp].\n');
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      // rabbitmq_web_stomp pulls in rabbitmq_stomp, whose TCP listener would want 61613.
      'stomp.listeners.tcp = none',
      `web_stomp.tcp.port = ${stompPort}`,
      'web_stomp.tcp.ip = 127.0.0.1',
      // guest may log in: the node only listens on loopback.
      'loopback_users = none',
    ].join('\n') + '\n',
  );
  const node = `bench-${randomBytes(4).toString('hex')}@localhost`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
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
  const wsUrl = `ws://127.0.0.1:${stompPort}/ws`;
  const credentials = { login: 'guest', passcode: 'guest' };
  let beam: number | undefined;

  const stop = async (): Promise<void> => {
    await run(join(RABBIT_BIN, 'rabbitmqctl'), ['-n', node, 'stop'], { env, timeout: 30_000 }).catch(
      () => undefined,
    );
    for (const pid of [beam ?? findBeamUnder(child.pid), child.exitCode === null ? child.pid : undefined]) {
      if (!pid) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Gone (or a zombie nobody reaps: an orphaned beam's parent is init) when stop() resolves.
    const deadline = Date.now() + 10_000;
    while ([beam, child.pid].some((pid) => pid && running(pid)) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`rabbitmq-server exited with ${child.exitCode}`);
      if (await stompConnects(wsUrl, credentials.login, credentials.passcode)) break;
      if (Date.now() > deadline) throw new Error(`RabbitMQ Web-STOMP not ready after ${START_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    beam = findBeamUnder(child.pid);
    if (!beam) throw new Error(`no beam.smp process under pid ${child.pid}`);
  } catch (error) {
    // Whatever came up goes down with it: a stray node would hold ports and memory.
    await stop();
    throw error;
  }
  return { wsUrl, ...credentials, pid: beam, stop };
}

/** A process that exists and has not exited (a zombie has). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** True when a STOMP CONNECT over WebSocket is answered with CONNECTED. */
function stompConnects(url: string, login: string, passcode: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, ['v12.stomp']);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 5_000);
    socket.once('open', () =>
      socket.send(`CONNECT\naccept-version:1.2\nhost:/\nlogin:${login}\npasscode:${passcode}\n\n\0`),
    );
    socket.on('message', (data) => done((data as Buffer).toString().startsWith('CONNECTED')));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/** The Erlang VM started under `root` (rabbitmq-server is a shell script that execs into it). */
function findBeamUnder(root: number | undefined): number | undefined {
  if (!root) return undefined;
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
  for (const beam of beams)
    for (let pid: number | undefined = beam; pid && pid > 1; pid = parentOf.get(pid))
      if (pid === root) return beam;
  return undefined;
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
