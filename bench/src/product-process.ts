import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..');

/** The product as the benchmarks run it: the built single node, one process, on a data folder of the bench's. */
export interface ProductProcess {
  /** The chat server's own port: `http://127.0.0.1:<CHAT_PORT>`. */
  readonly chatUrl: string;
  /** The gateway in front of it. */
  readonly gatewayUrl: string;
  /** The single-node process (chat, presence and gateway in one): its CPU and RSS are the product's. */
  readonly pid: number;
  /** An HS256 access token the product accepts (sub, name, iat, exp in an hour; `scope` when given). */
  token(uid: string, scope?: string): string;
  stop(): Promise<void>;
}

export interface ProductProcessOptions {
  readonly dataDir: string;
  /** Settings raised so the bench's own load is not refused (printed with its report). */
  readonly limits: Readonly<Record<string, string>>;
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir=…` (the profile is written at exit). */
  readonly nodeArgs?: readonly string[];
  /** Checkout whose built `single-node/dist/main.js` runs (default: this one), e.g. a baseline commit. */
  readonly root?: string;
}

/** Starts the built single node (`single-node/dist/main.js`) on `dataDir`, persistence on, free ports. */
export async function startProductProcess(options: ProductProcessOptions): Promise<ProductProcess> {
  const [chat, gateway, presence] = await distinctFreePorts(3);
  const secret = randomBytes(32).toString('hex');
  const root = options.root ?? repoRoot;
  const child: ChildProcess = spawn(
    process.execPath,
    [...productNodeFlags(root), ...(options.nodeArgs ?? []), join(root, 'single-node', 'dist', 'main.js')],
    {
      cwd: options.dataDir,
      env: {
        ...process.env,
        ...options.limits,
        CHAT_PORT: String(chat),
        GATEWAY_PORT: String(gateway),
        PRESENCE_PORT: String(presence),
        DATA_DIR: options.dataDir,
        AUTH_JWT_SECRET: secret,
        LOG_LEVEL: 'warn',
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const chatUrl = `http://127.0.0.1:${chat}`;
  const gatewayUrl = `http://127.0.0.1:${gateway}`;
  const stop = () => stopChild(child);
  try {
    await untilHealthy('the product', [chatUrl, gatewayUrl], child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { chatUrl, gatewayUrl, pid: child.pid!, token: (uid, scope) => mintToken(secret, uid, scope), stop };
}

/**
 * The Node flags `npm start` gives the product of checkout `root` (its built
 * `single-node/dist/node-flags.js`), so the bench runs it as people do; none for a build older
 * than that file.
 */
function productNodeFlags(root: string): readonly string[] {
  const file = join(root, 'single-node', 'dist', 'node-flags.js');
  if (!existsSync(file)) return [];
  return (createRequire(file)(file) as { NODE_FLAGS: readonly string[] }).NODE_FLAGS;
}

/**
 * Polls `ready` every 100 ms until it answers true. Fails at once when `gone()` says why the
 * process is no more, and after `timeoutMs` otherwise.
 */
export async function waitUntilReady(
  what: string,
  ready: () => Promise<boolean>,
  gone: () => string | null,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = gone();
    if (why) throw new Error(why);
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Until every one of `urls` answers its `/health/ready` with 2xx; fails at once if `child` exits. */
export function untilHealthy(
  what: string,
  urls: readonly string[],
  child: ChildProcess,
  timeoutMs = 60_000,
): Promise<void> {
  const healthy = (url: string) =>
    fetch(`${url}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
  return waitUntilReady(
    what,
    async () => (await Promise.all(urls.map(healthy))).every(Boolean),
    () => (child.exitCode === null ? null : `${what} exited with ${child.exitCode}`),
    timeoutMs,
  );
}

const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');

/** An HS256 access token as the platform verifies them: sub, name, iat, exp in an hour, `scope` when given. */
export function mintToken(secret: string, uid: string, scope?: string): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: uid, name: uid, iat: now, exp: now + 3600, ...(scope ? { scope } : {}) };
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** A process of ours started for the bench: its pid, and a stop that waits for it to exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
