import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, freePort } from '@playlist-chat/platform/testing';
import { TestStompClient } from '../../chat-server/test/support/stomp-client';
import type { ChatMessage } from '@playlist-chat/contracts';
import { repoRoot } from './support/repo-root';
import { createRoom } from './support/rooms';

/** True when nothing listens on `port` (127.0.0.1). */
const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/** A free port whose next one is free too (the chat servers take consecutive ports). */
async function twoFreePorts(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 65_000 && (await isFree(port + 1))) return port;
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Launched {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  readonly ports: { readonly gateway: number; readonly presence: number; readonly chat: number };
  readonly dataDir: string;
}

/**
 * Runs the built launcher with `--chat <chat>` on free ports and a temp DATA_DIR (unless `env`
 * says otherwise), collecting what it and its apps print. `detached`: its own process group,
 * as a terminal gives a foreground command (a Ctrl+C signals the whole group).
 */
async function launch(options: {
  chat: number;
  env?: NodeJS.ProcessEnv;
  detached?: boolean;
  cwd?: string;
}): Promise<Launched> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cluster-local-'));
  const ports = {
    gateway: await freePort(),
    presence: await freePort(),
    chat: options.chat > 1 ? await twoFreePorts() : await freePort(),
  };
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'single-node/dist/cluster-local.js'), '--chat', String(options.chat)],
    {
      cwd: options.cwd ?? repoRoot,
      env: {
        ...process.env,
        GATEWAY_PORT: String(ports.gateway),
        PRESENCE_PORT: String(ports.presence),
        CHAT_PORT: String(ports.chat),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        REDIS_URL: '',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited, ports, dataDir };
}

/** `launch`, then waits for the banner the launcher prints once every app is ready. */
async function launchReady(options: Parameters<typeof launch>[0]): Promise<Launched> {
  const launched = await launch(options);
  await expectEventually(() => expect(launched.output()).toContain('running as a local cluster'), {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  return launched;
}

/** One process of a cluster, with its command line: a pid reused later is not taken for it. */
interface Proc {
  readonly pid: number;
  readonly command: string;
}

const commandOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
};

/** `/proc/<pid>/stat` after the command name: state, ppid, process group, … */
const statOf = (pid: number): string[] | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
};

/** Still running: there, the same command, and not a zombie waiting for whoever adopted it. */
const isRunning = (proc: Proc): boolean =>
  commandOf(proc.pid) === proc.command && (statOf(proc.pid)?.[0] ?? 'Z') !== 'Z';

/** Every process `pid` started, and theirs, and so on (Linux: /proc/<pid>/task/<tid>/children). */
function descendants(pid: number): Proc[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
  );
  return children.flatMap((child) => [{ pid: child, command: commandOf(child) }, ...descendants(child)]);
}

/** What a ready cluster runs: its apps, its private redis-server and the temp folder that one works in. */
interface ClusterProcesses {
  readonly all: Proc[];
  readonly apps: Proc[];
  readonly redis: Proc;
  readonly redisDir: string;
}

function processesOf(launched: Launched): ClusterProcesses {
  const all = descendants(launched.child.pid!);
  const redis = all.find((proc) => proc.command.startsWith('redis-server'));
  if (!redis) throw new Error(`no redis-server among ${JSON.stringify(all)}`);
  return {
    all,
    apps: all.filter((proc) => proc.command.includes('/dist/main.js')),
    redis,
    // redis-server renames its process; its --dir is where it works.
    redisDir: readlinkSync(`/proc/${redis.pid}/cwd`),
  };
}

/** When each of `procs` was first seen gone (polled every 50 ms), until all are or `timeoutMs` passed. */
async function goneTimes(procs: Proc[], timeoutMs: number): Promise<Map<Proc, number>> {
  const gone = new Map<Proc, number>();
  const deadline = Date.now() + timeoutMs;
  while (gone.size < procs.length && Date.now() < deadline) {
    for (const proc of procs) if (!gone.has(proc) && !isRunning(proc)) gone.set(proc, Date.now());
    await delay(50);
  }
  return gone;
}

/** The apps' graceful stop ends with a line `stopped` each (stopOnSignals). */
const stoppedLines = (output: string) => output.match(/^stopped$/gm)?.length ?? 0;

/** What a test leaves behind if it failed half-way (or before the fix): kill it all, remove Redis's folder. */
/** Every process of the cluster exits within 30 s, and its redis-server no sooner than the last app. */
async function expectAppsGoneThenRedis(procs: ClusterProcesses): Promise<void> {
  const gone = await goneTimes(procs.all, 30_000);
  expect(procs.all.filter((proc) => !gone.has(proc))).toEqual([]);
  expect(gone.get(procs.redis)!).toBeGreaterThanOrEqual(Math.max(...procs.apps.map((app) => gone.get(app)!)));
}

function cleanUp(launched: Launched | undefined, procs: ClusterProcesses | undefined): void {
  if (!launched) return;
  if (launched.child.exitCode === null && launched.child.signalCode === null) launched.child.kill('SIGKILL');
  for (const proc of procs?.all ?? []) if (isRunning(proc)) process.kill(proc.pid, 'SIGKILL');
  if (procs) rmSync(procs.redisDir, { recursive: true, force: true });
  rmSync(launched.dataDir, { recursive: true, force: true });
}

/**
 * A one-chat-server cluster for the tests of one describe: launched and read before them, every
 * process of it killed after them (whatever a test left running).
 */
function clusterPerDescribe(options: Parameters<typeof launchReady>[0] = { chat: 1 }): {
  cluster: Launched;
  procs: ClusterProcesses;
} {
  const launched = {} as { cluster: Launched; procs: ClusterProcesses };
  beforeAll(async () => {
    launched.cluster = await launchReady(options);
    launched.procs = processesOf(launched.cluster);
  }, 90_000);
  afterAll(() => cleanUp(launched.cluster, launched.procs));
  return launched;
}

describe('npm run cluster:local (each app its own process, sharing Redis and a SQLite file)', () => {
  let cluster: Launched;

  beforeAll(async () => {
    cluster = await launchReady({ chat: 2 });
  }, 90_000);

  afterAll(() => cleanUp(cluster, undefined));

  const api = (path: string, token?: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${cluster.ports.gateway}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function signIn(uid: string): Promise<string> {
    const response = await api('/v1/api/auth/dev-token', undefined, { uid, nickName: uid });
    return ((await response.json()) as { accessToken: string }).accessToken;
  }

  it('delivers a line sent to one chat server to a member subscribed on the other, and stores it once for all', async () => {
    const { ports } = cluster;
    const [ann, ben] = [await signIn('ann'), await signIn('ben')];
    const room = await createRoom(
      `http://127.0.0.1:${ports.gateway}`,
      ann,
      { uid: 'ann', userName: 'Ann' },
      { id: 'pl-local-cluster', name: 'Local cluster mix' },
    );

    const onFirst = await TestStompClient.connect(`ws://127.0.0.1:${ports.chat}/ws-chat`, ann);
    const onSecond = await TestStompClient.connect(`ws://127.0.0.1:${ports.chat + 1}/ws-chat`, ben);
    await onSecond.send('/chat/pub/join', { roomId: room.id });
    const inbox = await onSecond.subscribe(`/chat/topic/room/${room.id}`);
    await onFirst.send('/chat/pub/join', { roomId: room.id });
    await onFirst.subscribe(`/chat/topic/room/${room.id}`);

    await onFirst.send('/chat/pub/send', {
      roomId: room.id,
      clientMessageId: 'across-1',
      content: 'from chat-1',
    });

    await expectEventually(() =>
      expect(inbox.bodies<ChatMessage>().map((line) => line.content)).toContain('from chat-1'),
    );
    const history = await api(`/v1/api/chat/api/v1/history/${room.id}`, ben);
    const lines = ((await history.json()) as { messages: ChatMessage[] }).messages;
    expect(lines.filter((line) => line.clientMessageId === 'across-1')).toHaveLength(1);
    await onFirst.disconnect();
    await onSecond.disconnect();
  });

  it('stops every process on SIGTERM', async () => {
    const { ports } = cluster;
    cluster.child.kill('SIGTERM');
    expect(await cluster.exited).toBe(0);
    for (const port of [ports.gateway, ports.presence, ports.chat, ports.chat + 1])
      await expectEventually(async () => expect(await isFree(port)).toBe(true));
  });
});

// The process tree is read from /proc.
describe.skipIf(process.platform !== 'linux')('cluster:local when its launcher is killed (SIGKILL)', () => {
  const launched = clusterPerDescribe();

  it('stops every app gracefully, then its redis-server, and removes the temp folder Redis used', async () => {
    expect(launched.procs.apps).toHaveLength(3);
    launched.cluster.child.kill('SIGKILL');
    await expectAppsGoneThenRedis(launched.procs);
    expect(stoppedLines(launched.cluster.output())).toBe(launched.procs.apps.length);
    expect(existsSync(launched.procs.redisDir)).toBe(false);
    for (const port of Object.values(launched.cluster.ports)) expect(await isFree(port)).toBe(true);
  }, 45_000);
});

describe.skipIf(process.platform !== 'linux')('cluster:local when its watchdog is killed (SIGKILL)', () => {
  const launched = clusterPerDescribe();

  it('leaves no process behind: the launcher stops the apps, and the kernel stops the redis-server the watchdog started', async () => {
    const watchdog = launched.procs.all.find((proc) => proc.command.includes('cluster-watchdog.js'));
    expect(watchdog).toBeDefined();
    process.kill(watchdog!.pid, 'SIGKILL');
    const gone = await goneTimes(launched.procs.all, 30_000);
    expect(launched.procs.all.filter((proc) => !gone.has(proc))).toEqual([]);
    expect(await launched.cluster.exited).not.toBeNull();
  }, 45_000);
});

describe.skipIf(process.platform !== 'linux')(
  'cluster:local on Ctrl+C (SIGINT to its whole process group, as a terminal sends it)',
  () => {
    const launched = clusterPerDescribe({ chat: 1, detached: true });

    it('keeps its redis-server out of the group, where a Ctrl+C cannot reach it', () => {
      expect(statOf(launched.procs.redis.pid)?.[2]).not.toBe(String(launched.cluster.child.pid));
    });

    it('stops the apps gracefully, then Redis, and exits 0 without a crash', async () => {
      process.kill(-launched.cluster.child.pid!, 'SIGINT');
      await expectAppsGoneThenRedis(launched.procs);
      expect(await launched.cluster.exited).toBe(0);
      const output = launched.cluster.output();
      expect(stoppedLines(output)).toBe(launched.procs.apps.length);
      expect(output).not.toMatch(/^\s+at /m); // no stack trace
      expect(output).not.toContain('Connection is closed');
      expect(output).not.toMatch(/"level":(50|60)/); // no error or fatal log line
      expect(existsSync(launched.procs.redisDir)).toBe(false);
    }, 45_000);
  },
);

describe.skipIf(process.platform !== 'linux')("cluster:local's exit code", () => {
  const launched = clusterPerDescribe();

  it('is 1 when an app does not stop cleanly (here: killed while it stops)', async () => {
    const presence = launched.procs.apps.find((app) => app.command.includes('presence-server'))!;
    launched.cluster.child.kill('SIGTERM');
    process.kill(presence.pid, 'SIGKILL');
    expect(await launched.cluster.exited).toBe(1);
    expect(launched.cluster.output()).toContain('presence-server (SIGKILL)');
    const gone = await goneTimes(launched.procs.all, 15_000);
    expect(launched.procs.all.filter((proc) => !gone.has(proc))).toEqual([]);
  }, 45_000);
});

describe('cluster:local with a bad port setting', () => {
  it.each([
    {
      what: 'a port that is not a number, and ports set to 0 (any free port)',
      chat: 2,
      env: { GATEWAY_PORT: 'abc', PRESENCE_PORT: '0', CHAT_PORT: '0' },
      named: [
        'GATEWAY_PORT must be an integer from 0 to 65535 (got "abc")',
        'PRESENCE_PORT must not be 0',
        'CHAT_PORT must not be 0',
      ],
    },
    {
      what: 'chat servers past port 65535, and the gateway on 0',
      chat: 2,
      env: { GATEWAY_PORT: '0', PRESENCE_PORT: '28710', CHAT_PORT: '65535' },
      named: ['GATEWAY_PORT must not be 0', 'CHAT_PORT (65535) must be at most 65534'],
    },
    {
      what: 'two apps on one port',
      chat: 2,
      env: { GATEWAY_PORT: '28701', PRESENCE_PORT: '28710', CHAT_PORT: '28700' },
      named: ['GATEWAY_PORT (28701) is also the port of chat server 2 (CHAT_PORT + 1)'],
    },
  ])(
    'refuses $what at once, naming each variable, before it writes anything (DATA_DIR empty, run from an empty folder)',
    async ({ chat, env, named }) => {
      const cwd = mkdtempSync(join(tmpdir(), 'cluster-local-cwd-'));
      // Its own group: were it to start anything, all of it is killed below.
      const launched = await launch({ chat, env: { ...env, DATA_DIR: '' }, cwd, detached: true });
      try {
        const code = await Promise.race([launched.exited, delay(25_000).then(() => 'still running')]);
        expect(code).toBe(1);
        for (const text of named) expect(launched.output()).toContain(text);
        expect(readdirSync(cwd)).toEqual([]);
      } finally {
        try {
          process.kill(-launched.child.pid!, 'SIGKILL');
        } catch {
          // the group is gone already
        }
        rmSync(cwd, { recursive: true, force: true });
        rmSync(launched.dataDir, { recursive: true, force: true });
      }
    },
    40_000,
  );
});
