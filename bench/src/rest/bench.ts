import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMsOf, rssKbOf } from '../e2e/process-stats';
import { seedChatData, WORDS, type Seed, type SeedOptions } from './seed';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  distinctFreePorts,
  mintToken,
  startProductProcess,
  stopChild,
  type ProductProcess,
} from '../product-process';

/**
 * Limits raised so the bench's load is not refused: all of it comes from one address, and each
 * bench user searches far more often than a person would. Everything else (token check,
 * validation, membership, SQLite) runs as shipped.
 */
export const RAISED_LIMITS: Readonly<Record<string, string>> = {
  CHAT_SEARCH_RATE_LIMIT: '100000',
  GATEWAY_RATE_LIMIT_PER_MIN: '0',
};

/** The endpoints measured: every REST list and read endpoint of the chat server (SPEC "REST"). */
export const REST_ENDPOINTS = [
  'rooms-joined',
  'rooms-unjoined',
  'rooms-all',
  'room',
  'history-page',
  'reentry',
  'full-history',
  'search',
  'gateway-rooms-joined',
] as const;
export type RestEndpoint = (typeof REST_ENDPOINTS)[number];

/**
 * The HTTP stack alone, `GET /hello` with no store (see cap-server.ts): what caps any endpoint;
 * and `cap-express-stored` / `cap-express-searched`, the `room` / `search` endpoint on bare
 * Express from the product's own store: what the endpoint costs without Nest and the platform's parts;
 * `cap-express-proxied`, `cap-express` behind a bare forwarder in a worker thread: what a second hop
 * (the gateway's) costs at the least.
 */
export const CAP_ENDPOINTS = [
  'cap-express',
  'cap-nest',
  'cap-nest-platform',
  'cap-express-stored',
  'cap-express-searched',
  'cap-express-proxied',
] as const;
/** With `capDetail`: Nest with one platform part each, to see what each part costs. */
export const CAP_DETAIL_ENDPOINTS = [
  'cap-nest-logging',
  'cap-nest-metrics',
  'cap-nest-guard',
  'cap-nest-validation',
] as const;
export type CapEndpoint = (typeof CAP_ENDPOINTS)[number] | (typeof CAP_DETAIL_ENDPOINTS)[number];

export interface RestBenchOptions {
  readonly seed: SeedOptions;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Load before each measured run, not counted (JIT, caches). */
  readonly warmupSeconds: number;
  /** Only these endpoints (all of them when absent). */
  readonly endpoints?: readonly RestEndpoint[];
  /** Extra node flags for the product (e.g. `--cpu-prof`, `--cpu-prof-dir=DIR`). */
  readonly nodeArgs?: readonly string[];
  /**
   * A checkout (built) to compare with, in the same run: its single node starts beside ours on a
   * copy of the same seed, and each endpoint is measured `rounds` times on each, alternating
   * (baseline first), so both see the same machine.
   */
  readonly baselineRoot?: string;
  /** Alternating rounds per endpoint with a baseline (default 2). */
  readonly rounds?: number;
  /** Also measure the HTTP stack alone (CAP_ENDPOINTS), after the product, with the same load. */
  readonly cap?: boolean;
  /** With `cap`: also Nest with each platform part alone (CAP_DETAIL_ENDPOINTS). */
  readonly capDetail?: boolean;
  readonly log?: (line: string) => void;
}

export const REST_FULL: Omit<RestBenchOptions, 'log'> = {
  seed: { rooms: 10_000, messages: 100_000, roomsPerUser: 4, membersPerRoom: 2 },
  connections: 200,
  durationSeconds: 10,
  warmupSeconds: 2,
  cap: true,
};

export const REST_SMOKE: Omit<RestBenchOptions, 'log'> = {
  seed: { rooms: 200, messages: 1_000, roomsPerUser: 4, membersPerRoom: 2 },
  connections: 20,
  durationSeconds: 1,
  warmupSeconds: 0,
  cap: true,
};

export interface EndpointResult {
  readonly endpoint: RestEndpoint | CapEndpoint;
  /** Which build answered: this checkout, or the baseline of a paired run. */
  readonly build: 'ours' | 'baseline';
  /** Method and path pattern as requested. */
  readonly path: string;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p97_5Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Bytes per answer on the wire (status line, headers and body). */
  readonly bytesPerAnswer: number;
  readonly status2xx: number;
  readonly non2xx: number;
  /** Answers per HTTP status, e.g. { "200": 81234 }. */
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  /** Server CPU over the run, in cores (1 = one core busy all the time). */
  readonly serverCpuCores: number;
  readonly serverRssMb: number;
  /** The load generator's own CPU (this process), in cores: near 1 means it may be the cap. */
  readonly generatorCpuCores: number;
}

export interface RestBenchResult {
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly node: string };
  readonly date: string;
  readonly seed: SeedOptions & {
    readonly users: number;
    readonly memberships: number;
    readonly seconds: number;
  };
  readonly connections: number;
  readonly durationSeconds: number;
  readonly notes: readonly string[];
  readonly idleRssMb: number;
  readonly endpoints: readonly EndpointResult[];
  /** Paired runs only: per endpoint, the baseline's and ours over all rounds, and ours ÷ baseline. */
  readonly paired?: readonly PairedResult[];
}

export interface PairedResult {
  readonly endpoint: RestEndpoint;
  readonly baseline: { readonly requestsPerSecond: number; readonly cpuUsPerRequest: number };
  readonly ours: { readonly requestsPerSecond: number; readonly cpuUsPerRequest: number };
  readonly requestsPerSecondRatio: number;
  readonly cpuPerRequestRatio: number;
}

interface AutocannonResult {
  readonly latency: { p50: number; p97_5: number; p99: number; max: number };
  readonly requests: { average: number; total: number };
  readonly throughput: { total: number };
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly '2xx': number;
  readonly statusCodeStats?: Record<string, { count: number }>;
}

interface RawRequest {
  path?: string;
  headers?: Record<string, string>;
  method?: string;
}

type Autocannon = (options: {
  url: string;
  connections: number;
  /** Seconds to run, or… */
  duration?: number;
  /** …how many requests to send in all. */
  amount?: number;
  requests: { setupRequest: (request: RawRequest) => RawRequest }[];
}) => Promise<AutocannonResult>;

const autocannon = createRequire(__filename)('autocannon') as Autocannon;

/**
 * Runs autocannon: each request from the user and on the path `pick` chooses, for `length.seconds`
 * or until `length.amount` requests were sent.
 */
export function load(
  url: string,
  pick: RequestPicker,
  tokenOf: (uid: string, scope?: string) => string,
  connections: number,
  length: { readonly seconds: number } | { readonly amount: number },
  sent: (path: string) => void = () => undefined,
): Promise<AutocannonResult> {
  return autocannon({
    url,
    connections,
    ...('seconds' in length ? { duration: length.seconds } : { amount: length.amount }),
    requests: [
      {
        setupRequest: (request) => {
          const next = pick();
          sent(next.path);
          return {
            ...request,
            method: 'GET',
            path: next.path,
            headers: { ...request.headers, authorization: `Bearer ${tokenOf(next.uid, next.scope)}` },
          };
        },
      },
    ],
  });
}

/**
 * One request per user, before anything is measured: a client verifies its token on its first
 * request and reuses it for the session, so in steady state the server's verified-token cache
 * answers (a verification costs ~60 µs, a cache hit ~0.5). Without this, the first endpoint
 * measured on a fresh server, and every cap-* stack, paid for thousands of first verifications
 * that a short run does not amortize.
 */
export async function verifyEveryToken(
  url: string,
  path: string,
  users: readonly string[],
  tokenOf: (uid: string) => string,
  connections: number,
): Promise<void> {
  let next = 0;
  const result = await load(
    url,
    () => ({ path, uid: users[next++ % users.length] }),
    tokenOf,
    Math.min(connections, users.length),
    { amount: users.length },
  );
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(
      `verifying every token on ${url}${path}: ${result.non2xx} answers not 2xx, ${result.errors} errors`,
    );
}

/**
 * `mint`, remembered per user and scope: a client holds one token for its session, and the
 * servers' verified-token caches key on the token, so a fresh one per request would defeat them.
 */
export function tokensMintedOnce(
  mint: (uid: string, scope?: string) => string,
): (uid: string, scope?: string) => string {
  const tokens = new Map<string, string>();
  return (uid, scope) => {
    const key = `${uid} ${scope ?? ''}`;
    let token = tokens.get(key);
    if (!token) tokens.set(key, (token = mint(uid, scope)));
    return token;
  };
}

/** What one endpoint asks: a path and the caller, picked afresh for every request. */
export type RequestPicker = () => { path: string; uid: string; scope?: string };

/**
 * The REST benchmark: seeds a fresh data folder through the chat server's own SQLite stores,
 * starts the real single node on it, and runs autocannon on each endpoint in turn (the server
 * idle in between), with each request from a random user on a random room of theirs, so no
 * single row is hot. Reports req/s, latency percentiles, bytes per answer, non-2xx, and the
 * server's CPU and RSS read from /proc.
 */
export async function runRestBench(options: RestBenchOptions): Promise<RestBenchResult> {
  const log = options.log ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-rest-'));
  const baselineDir = `${dataDir}-baseline`;
  const stops: ProductProcess[] = [];
  let product: ProductProcess | undefined;
  try {
    log(
      `seeding ${options.seed.rooms} rooms, ${options.seed.messages} messages through the chat server's SQLite stores…`,
    );
    const seed = await seedChatData(dataDir, options.seed);
    log(
      `seeded in ${seed.seconds.toFixed(1)} s: ${seed.rooms.length} rooms, ${seed.users.length} users, ${seed.memberships} memberships, ${seed.messages} messages`,
    );
    let baseline: ProductProcess | undefined;
    if (options.baselineRoot) {
      cpSync(dataDir, baselineDir, { recursive: true });
      baseline = await startProductProcess({
        dataDir: baselineDir,
        root: options.baselineRoot,
        limits: RAISED_LIMITS,
      });
      stops.push(baseline);
    }
    product = await startProductProcess({ dataDir, nodeArgs: options.nodeArgs, limits: RAISED_LIMITS });
    stops.push(product);
    const pickers = requestPickers(seed);
    // Tokens are minted once per user and product, as a client holds one for its session.
    const tokensOf = (server: ProductProcess) => tokensMintedOnce((uid, scope) => server.token(uid, scope));
    const builds = [
      ...(baseline ? [{ build: 'baseline' as const, server: baseline, tokenOf: tokensOf(baseline) }] : []),
      { build: 'ours' as const, server: product, tokenOf: tokensOf(product) },
    ];
    // Warm-up: the first requests compile code paths and fill SQLite's page cache; then every
    // user's token is verified once on each of the two ports (the chat server's and the gateway's).
    for (const { server, tokenOf } of builds) {
      for (const endpoint of REST_ENDPOINTS) await probe(server, endpoint, pickers[endpoint], tokenOf);
      for (const url of [server.chatUrl, server.gatewayUrl])
        await verifyEveryToken(url, '/v1/api/rooms/joined', seed.users, tokenOf, options.connections);
    }
    const idleRssMb = rssKbOf(product.pid) / 1024;
    const endpoints: EndpointResult[] = [];
    const rounds = baseline ? (options.rounds ?? 2) : 1;
    for (const endpoint of options.endpoints ?? REST_ENDPOINTS)
      for (let round = 0; round < rounds; round++)
        for (const { build, server, tokenOf } of builds) {
          const target = { url: baseUrl(server, endpoint), pid: server.pid };
          const result = { ...(await measure(target, endpoint, pickers[endpoint], tokenOf, options)), build };
          endpoints.push(result);
          log(formatEndpoint(result));
        }
    for (const server of stops) await server.stop();
    if (options.cap) {
      const users = seed.users;
      const hello: RequestPicker = () => ({
        path: '/hello?size=20',
        uid: users[Math.floor(Math.random() * users.length)],
      });
      for (const variant of [...CAP_ENDPOINTS, ...(options.capDetail ? CAP_DETAIL_ENDPOINTS : [])]) {
        const pick =
          variant === 'cap-express-stored'
            ? pickers.room
            : variant === 'cap-express-searched'
              ? pickers.search
              : hello;
        const server = await startCapServer(variant, dataDir);
        try {
          const tokenOfCap = tokensMintedOnce((uid) => mintToken(server.secret, uid));
          // Every cap server answers any user on /hello (a search needs a member of its room).
          await verifyEveryToken(server.url, hello().path, users, tokenOfCap, options.connections);
          const result = {
            ...(await measure(server, variant, pick, tokenOfCap, options)),
            build: 'ours' as const,
          };
          endpoints.push(result);
          log(formatEndpoint(result));
        } finally {
          await stopChild(server.child);
        }
      }
    }
    return {
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
      date: new Date().toISOString(),
      seed: {
        ...options.seed,
        users: seed.users.length,
        memberships: seed.memberships,
        seconds: seed.seconds,
      },
      connections: options.connections,
      durationSeconds: options.durationSeconds,
      notes: Object.entries(RAISED_LIMITS).map(([name, value]) => `${name}=${value}`),
      idleRssMb,
      endpoints,
      paired: baseline ? pairUp(endpoints) : undefined,
    };
  } finally {
    for (const server of stops) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(baselineDir, { recursive: true, force: true });
  }
}

/** Over all rounds of each build: requests ÷ time, server CPU ÷ requests, and ours ÷ baseline. */
function pairUp(endpoints: readonly EndpointResult[]): PairedResult[] {
  const sum = (runs: EndpointResult[]) => {
    const requests = runs.reduce((total, r) => total + r.requests, 0);
    const seconds = runs.reduce((total, r) => total + r.requests / r.requestsPerSecond, 0);
    const cpuSeconds = runs.reduce(
      (total, r) => total + r.serverCpuCores * (r.requests / r.requestsPerSecond),
      0,
    );
    return { requestsPerSecond: requests / seconds, cpuUsPerRequest: (cpuSeconds * 1e6) / requests };
  };
  const names = [...new Set(endpoints.filter((r) => r.build === 'baseline').map((r) => r.endpoint))];
  return names.map((name) => {
    const baseline = sum(endpoints.filter((r) => r.endpoint === name && r.build === 'baseline'));
    const ours = sum(endpoints.filter((r) => r.endpoint === name && r.build === 'ours'));
    return {
      endpoint: name as RestEndpoint,
      baseline,
      ours,
      requestsPerSecondRatio: ours.requestsPerSecond / baseline.requestsPerSecond,
      cpuPerRequestRatio: ours.cpuUsPerRequest / baseline.cpuUsPerRequest,
    };
  });
}

/** The HTTP stack alone (cap-server.js) in a process of its own, once it listens. */
export async function startCapServer(
  variant: CapEndpoint,
  dataDir: string,
): Promise<LoadTarget & { child: ChildProcess; secret: string }> {
  const [port] = await distinctFreePorts(1);
  const secret = randomBytes(32).toString('hex');
  const child = spawn(
    process.execPath,
    [join(__dirname, 'cap-server.js'), variant.slice('cap-'.length), String(port)],
    {
      cwd: dataDir,
      env: { ...process.env, AUTH_JWT_SECRET: secret, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${variant} did not listen within 30 s`)), 30_000);
      child.once('exit', (code) => reject(new Error(`${variant} exited with ${code}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, child, secret };
}

export function requestPickers(seed: Seed): Record<RestEndpoint, RequestPicker> {
  const { rooms, users } = seed;
  const any = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)];
  const member = () => {
    const room = any(rooms);
    return { room, uid: any(room.members) };
  };
  const withMessages = rooms.length > 0 && seed.messages > 0;
  return {
    'rooms-joined': () => ({ path: '/v1/api/rooms/joined', uid: any(users) }),
    'rooms-unjoined': () => ({ path: '/v1/api/rooms/unjoined', uid: any(users) }),
    'rooms-all': () => ({ path: '/v1/api/rooms', uid: 'bench-operator', scope: 'rooms:admin' }),
    room: () => {
      const { room, uid } = member();
      return { path: `/v1/api/rooms/${room.id}`, uid };
    },
    'history-page': () => {
      const { room, uid } = member();
      return { path: `/v1/api/chat/history?roomId=${room.id}`, uid };
    },
    reentry: () => {
      const { room, uid } = member();
      return { path: `/v1/api/chat/api/v1/rooms/joined/${room.id}`, uid };
    },
    'full-history': () => {
      const { room, uid } = member();
      return { path: `/v1/api/chat/api/v1/history/${room.id}`, uid };
    },
    search: () => {
      const { room, uid } = member();
      return { path: `/v1/api/chat/search?roomId=${room.id}&q=${withMessages ? any(WORDS) : 'x'}`, uid };
    },
    'gateway-rooms-joined': () => ({ path: '/v1/api/rooms/joined', uid: any(users) }),
  };
}

const baseUrl = (product: ProductProcess, endpoint: RestEndpoint) =>
  endpoint.startsWith('gateway-') ? product.gatewayUrl : product.chatUrl;

/** A few sequential requests: warms the path up and fails early with the answer when it is refused. */
async function probe(
  product: ProductProcess,
  endpoint: RestEndpoint,
  pick: RequestPicker,
  tokenOf: (uid: string, scope?: string) => string,
): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const { path, uid, scope } = pick();
    const response = await fetch(`${baseUrl(product, endpoint)}${path}`, {
      headers: { authorization: `Bearer ${tokenOf(uid, scope)}` },
    });
    const body = await response.text();
    if (!response.ok) throw new Error(`${endpoint}: GET ${path} answered ${response.status}: ${body}`);
  }
}

/** Where the load goes: a base URL and the process whose CPU and RSS are measured. */
interface LoadTarget {
  readonly url: string;
  readonly pid: number;
}

async function measure(
  target: LoadTarget,
  endpoint: RestEndpoint | CapEndpoint,
  pick: RequestPicker,
  tokenOf: (uid: string, scope?: string) => string,
  options: RestBenchOptions,
): Promise<Omit<EndpointResult, 'build'>> {
  if (options.warmupSeconds > 0)
    await load(target.url, pick, tokenOf, options.connections, { seconds: options.warmupSeconds });
  const cpu0 = cpuMsOf(target.pid);
  const own0 = process.cpuUsage();
  const wall0 = performance.now();
  let rssPeakKb = rssKbOf(target.pid);
  const sampler = setInterval(() => (rssPeakKb = Math.max(rssPeakKb, rssKbOf(target.pid))), 500);
  let path = '';
  let result: AutocannonResult;
  try {
    result = await load(
      target.url,
      pick,
      tokenOf,
      options.connections,
      { seconds: options.durationSeconds },
      (p) => (path ||= p),
    );
  } finally {
    clearInterval(sampler);
  }
  const wallMs = performance.now() - wall0;
  const own = process.cpuUsage(own0);
  const answers = result['2xx'] + result.non2xx;
  return {
    endpoint,
    path: `GET ${path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, '{roomId}').replace(/q=\w+/, 'q={word}')}`,
    requests: answers,
    requestsPerSecond: answers / result.duration,
    p50Ms: result.latency.p50,
    p97_5Ms: result.latency.p97_5,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    bytesPerAnswer: answers > 0 ? result.throughput.total / answers : 0,
    status2xx: result['2xx'],
    non2xx: result.non2xx,
    statuses: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, count]),
    ),
    errors: result.errors,
    timeouts: result.timeouts,
    serverCpuCores: (cpuMsOf(target.pid) - cpu0) / wallMs,
    serverRssMb: Math.max(rssPeakKb, rssKbOf(target.pid)) / 1024,
    generatorCpuCores: (own.user + own.system) / 1000 / wallMs,
  };
}

function formatEndpoint(r: EndpointResult): string {
  const n = (value: number, digits = 0) =>
    value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return (
    `${r.build === 'baseline' ? '(baseline) ' : ''}${r.endpoint.padEnd(21)} ${n(r.requestsPerSecond).padStart(7)} req/s  p50 ${n(r.p50Ms, 1).padStart(6)}  p97.5 ${n(r.p97_5Ms, 1).padStart(6)}  p99 ${n(r.p99Ms, 1).padStart(6)} ms` +
    `  ${n(r.bytesPerAnswer).padStart(6)} B/answer  non-2xx ${r.non2xx}${r.non2xx ? ` (${Object.keys(r.statuses).join(',')})` : ''}${r.errors ? ` errors ${r.errors}` : ''}  server ${n(r.serverCpuCores * 100)} % CPU (${n((r.serverCpuCores / r.requestsPerSecond) * 1e6)} µs/request) ${n(r.serverRssMb)} MB  generator ${n(r.generatorCpuCores * 100)} % CPU`
  );
}

/** The report as printed: one line per endpoint, then the setup. */
export function formatRestReport(result: RestBenchResult): string {
  const target = 8_000;
  const lines = [
    `REST: single node on its chat port (gateway-* through the gateway), persistence on (SQLite), ${result.connections} connections, ${result.durationSeconds} s per endpoint`,
    `seed: ${result.seed.rooms} rooms (${result.seed.tracksPerPlaylist ?? 1} tracks each), ${result.seed.messages} messages, ${result.seed.users} users each in ${result.seed.roomsPerUser} rooms (${result.seed.memberships} memberships), seeded through the chat server's SQLite stores in ${result.seed.seconds.toFixed(1)} s`,
    `machine: ${result.machine.cpus} CPU(s) ${result.machine.cpuModel}, node ${result.machine.node}; ${result.date}; raised limits: ${result.notes.join(', ')}; server RSS after warm-up ${result.idleRssMb.toFixed(0)} MB`,
    ...result.endpoints.map(formatEndpoint),
    ...(result.endpoints.some((r) => r.endpoint.startsWith('cap-'))
      ? [
          "cap-*: GET /hello answering a small JSON object, no store: bare Express, bare Nest, and Nest with the platform's request logging, metrics, token guard, validation pipe and error filter (what caps every endpoint above); cap-express-stored: the room endpoint on bare Express from the product's store (token check, room read, the product's view), no Nest, no platform parts; cap-express-searched: the search endpoint the same way (token check, member read, the store's search); cap-express-proxied: cap-express behind a bare undici forwarder in a worker thread (a second hop, as the gateway's, with nothing else)",
        ]
      : []),
    ...(result.paired ?? []).map(
      (p) =>
        `paired ${p.endpoint.padEnd(21)} baseline ${Math.round(p.baseline.requestsPerSecond)} req/s, ${Math.round(p.baseline.cpuUsPerRequest)} µs CPU/request; ours ${Math.round(p.ours.requestsPerSecond)} req/s, ${Math.round(p.ours.cpuUsPerRequest)} µs; ratio req/s ${p.requestsPerSecondRatio.toFixed(2)}, CPU/request ${p.cpuPerRequestRatio.toFixed(2)}`,
    ),
    `target (issue 13): ≥ ${target.toLocaleString('en-US')} req/s at p97.5 < 50 ms — met by ${
      result.endpoints
        .filter((r) => r.build === 'ours' && r.requestsPerSecond >= target && r.p97_5Ms < 50)
        .map((r) => r.endpoint)
        .join(', ') || 'none'
    }`,
  ];
  return lines.join('\n');
}
