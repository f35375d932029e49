import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMsOf } from '../e2e/process-stats';
import { helpOrRefuseUnknown, numberOption } from '../options';
import { mintToken, stopChild, untilHealthy } from '../product-process';
import {
  load,
  RAISED_LIMITS,
  requestPickers,
  REST_FULL,
  REST_SMOKE,
  tokensMintedOnce,
  verifyEveryToken,
  type RequestPicker,
} from './bench';
import { seedChatData } from './seed';

const repoRoot = join(__dirname, '..', '..', '..');
const ENDPOINTS = ['room', 'history-page', 'rooms-joined'] as const;
type Endpoint = (typeof ENDPOINTS)[number];

const USAGE = `usage: node bench/dist/rest/processes.js [endpoint…] [--chat=N] [--rounds=N] [--duration=S] [--smoke]
  REST served by N chat-server processes (npm run cluster:local: one SQLite file, Redis, a static
  registry) against one, alternately, on copies of one seed; the load (200 connections) is split
  evenly over the chat servers' own ports. Endpoints: ${ENDPOINTS.join(', ')} (all by default).
  Defaults: --chat=2 --rounds=2 --duration=10 (2 s warm-up each); --smoke: a tiny seed, 1 s.`;

/** `npm run cluster:local -- --chat N` on `dataDir`, until every chat server answers /health/ready. */
async function startLocalCluster(
  chats: number,
  dataDir: string,
  secret: string,
): Promise<{ urls: string[]; chatPids: () => number[]; child: ChildProcess }> {
  const base = await consecutiveFreePorts(chats + 2);
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'single-node', 'dist', 'cluster-local.js'), '--chat', String(chats)],
    {
      env: {
        ...process.env,
        ...RAISED_LIMITS,
        DATA_DIR: dataDir,
        AUTH_JWT_SECRET: secret,
        CHAT_PORT: String(base),
        PRESENCE_PORT: String(base + chats),
        GATEWAY_PORT: String(base + chats + 1),
        LOG_LEVEL: 'warn',
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const urls = Array.from({ length: chats }, (_, index) => `http://127.0.0.1:${base + index}`);
  try {
    await untilHealthy(`cluster:local with ${chats} chat server(s)`, urls, child);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  // The chat servers are the launcher's children whose command names chat-server's entry.
  const chatPids = () =>
    readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number)
      .filter((pid) => pid > 0 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('chat-server'));
  return { urls, chatPids, child };
}

/** `count` free ports in a row (cluster:local numbers its chat servers from CHAT_PORT up). */
async function consecutiveFreePorts(count: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let all = true;
    for (let port = base; port < base + count && all; port++) all = await free(port);
    if (all) return base;
  }
  throw new Error(`no ${count} free ports in a row`);
}

interface Measured {
  readonly requestsPerSecond: number;
  readonly p50Ms: number[];
  readonly p97_5Ms: number[];
  readonly non2xx: number;
  readonly errors: number;
  /** The chat servers' CPU per answered request. */
  readonly cpuUsPerRequest: number;
}

/** Every chat server loaded at once, `connections / urls` connections each. */
async function measureSplit(
  urls: readonly string[],
  pids: readonly number[],
  pick: RequestPicker,
  tokenOf: (uid: string) => string,
  connections: number,
  seconds: number,
  warmupSeconds: number,
): Promise<Measured> {
  const each = Math.max(1, Math.round(connections / urls.length));
  if (warmupSeconds > 0)
    await Promise.all(urls.map((url) => load(url, pick, tokenOf, each, { seconds: warmupSeconds })));
  const cpu = () => pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
  const cpu0 = cpu();
  const results = await Promise.all(urls.map((url) => load(url, pick, tokenOf, each, { seconds })));
  const cpuMs = cpu() - cpu0;
  const answers = results.reduce((sum, r) => sum + r['2xx'] + r.non2xx, 0);
  return {
    requestsPerSecond: results.reduce((sum, r) => sum + (r['2xx'] + r.non2xx) / r.duration, 0),
    p50Ms: results.map((r) => r.latency.p50),
    p97_5Ms: results.map((r) => r.latency.p97_5),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    cpuUsPerRequest: answers > 0 ? (cpuMs * 1000) / answers : 0,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (helpOrRefuseUnknown(args, USAGE, { flags: ['--smoke'], withValue: ['chat', 'rounds', 'duration'] }))
    return;
  const smoke = args.includes('--smoke');
  const named = args.filter((a) => !a.startsWith('--'));
  const unknown = named.filter((a) => !(ENDPOINTS as readonly string[]).includes(a));
  if (unknown.length) throw new Error(`unknown endpoint(s) ${unknown.join(', ')}\n${USAGE}`);
  const chats = numberOption(args, 'chat', 2, { minimum: 2, whole: true, usage: USAGE });
  const rounds = numberOption(args, 'rounds', smoke ? 1 : 2, { minimum: 1, whole: true, usage: USAGE });
  // The REST bench's own sizes: its seed, connections, warm-up and run length.
  const preset = smoke ? REST_SMOKE : REST_FULL;
  const seconds = numberOption(args, 'duration', preset.durationSeconds, { minimum: 1, usage: USAGE });
  const { warmupSeconds, connections } = preset;
  const endpoints = (named.length ? named : ENDPOINTS) as readonly Endpoint[];

  const seedDir = mkdtempSync(join(tmpdir(), 'bench-rest-processes-'));
  try {
    const seed = await seedChatData(seedDir, preset.seed);
    const pickers = requestPickers(seed);
    console.log(
      `REST from 1 and ${chats} chat-server processes (npm run cluster:local), ${seed.rooms.length} rooms, ${seed.messages} messages, ${connections} connections split over the chat ports, ${seconds} s per run; ${cpus().length} CPU(s) ${cpus()[0]?.model ?? ''}, node ${process.version}, ${new Date().toISOString()}`,
    );
    for (let round = 1; round <= rounds; round++) {
      for (const count of [1, chats]) {
        const dataDir = `${seedDir}-${count}`;
        cpSync(seedDir, dataDir, { recursive: true });
        const secret = randomBytes(32).toString('hex');
        const tokenOf = tokensMintedOnce((uid) => mintToken(secret, uid));
        const cluster = await startLocalCluster(count, dataDir, secret);
        try {
          for (const url of cluster.urls)
            await verifyEveryToken(url, '/v1/api/rooms/joined', seed.users, tokenOf, connections);
          const pids = cluster.chatPids();
          for (const endpoint of endpoints) {
            const m = await measureSplit(
              cluster.urls,
              pids,
              pickers[endpoint],
              tokenOf,
              connections,
              seconds,
              warmupSeconds,
            );
            console.log(
              `round ${round}  ${count} chat process(es)  ${endpoint.padEnd(13)} ${Math.round(m.requestsPerSecond).toLocaleString('en-US').padStart(6)} req/s` +
                `  p50 ${m.p50Ms.join('/')}  p97.5 ${m.p97_5Ms.join('/')} ms  non-2xx ${m.non2xx}  errors ${m.errors}` +
                `  chat servers' CPU ${Math.round(m.cpuUsPerRequest)} µs/request`,
            );
          }
        } finally {
          await stopChild(cluster.child);
          rmSync(dataDir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    rmSync(seedDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
