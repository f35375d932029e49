import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
import { oneHostClusterEnv } from '../../src/cluster-env';
import { repoRoot } from './repo-root';

const MAINS = {
  'presence-server': 'presence-server/dist/main.js',
  'chat-server': 'chat-server/dist/main.js',
  gateway: 'gateway/dist/main.js',
} as const;

interface AppSpec {
  readonly name: string;
  readonly main: string;
  readonly port: number;
  readonly env: NodeJS.ProcessEnv;
}

/** `url` with its database path replaced by `database` (query options kept). */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * The cluster's shape as `npm run cluster:local` starts it — each app its own process, one
 * SQLite file, a private redis-server for fan-out, bus and presence, the static registry — but
 * with handles a fault test needs: kill one app (SIGKILL), start it again, restart Redis.
 */
export class LocalCluster {
  private readonly children = new Map<string, ChildProcess>();
  private readonly logs = new Map<string, string>();

  private constructor(
    private readonly apps: AppSpec[],
    private redis: TestRedis,
    readonly dataDir: string,
  ) {}

  /** Starts the cluster; a port taken between choosing and listening (other tests run too) means a fresh try. */
  static async start(options: { chat?: number; env?: NodeJS.ProcessEnv } = {}): Promise<LocalCluster> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await LocalCluster.startOnce(options);
      } catch (error) {
        if (attempt >= 3 || !String(error).includes('EADDRINUSE')) throw error;
      }
    }
  }

  private static async startOnce({
    chat = 2,
    env = {},
  }: { chat?: number; env?: NodeJS.ProcessEnv } = {}): Promise<LocalCluster> {
    const dataDir = mkdtempSync(join(tmpdir(), 'chaos-cluster-'));
    const redis = await startRedisServer();
    const chatPorts = await Promise.all(Array.from({ length: chat }, () => freePort()));
    const [presencePort, gatewayPort] = [await freePort(), await freePort()];
    const shared: NodeJS.ProcessEnv = {
      ...process.env,
      ...oneHostClusterEnv({
        dataDir,
        redisUrl: redis.url,
        chatPorts,
        presencePort,
        internalToken: 'chaos-internal-token',
      }),
      LOG_LEVEL: 'warn',
      // npm run test:cluster: rooms and messages in a fresh database on the compose MongoDB.
      ...(process.env.CHAOS_STORE === 'mongo' && process.env.MONGO_URL
        ? { CHAT_STORE: 'mongo', MONGO_URL: withDatabase(process.env.MONGO_URL, `chaos_${Date.now()}`) }
        : {}),
      ...env,
    };
    const apps: AppSpec[] = [
      {
        name: 'presence-server',
        main: MAINS['presence-server'],
        port: presencePort,
        env: { PRESENCE_PORT: String(presencePort) },
      },
      ...chatPorts.map((port, index) => ({
        name: `chat-server-${index + 1}`,
        main: MAINS['chat-server'],
        port,
        env: { CHAT_PORT: String(port) },
      })),
      { name: 'gateway', main: MAINS.gateway, port: gatewayPort, env: { GATEWAY_PORT: String(gatewayPort) } },
    ].map((app) => ({ ...app, env: { ...shared, ...app.env, INSTANCE_ID: app.name } }));
    const cluster = new LocalCluster(apps, redis, dataDir);
    try {
      for (const app of apps) cluster.spawn(app);
      for (const app of apps) await cluster.untilReady(app);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.app('gateway').port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.app('gateway').port}/ws-chat`;
  }

  appUrl(name: string): string {
    return `http://127.0.0.1:${this.app(name).port}`;
  }

  /** What the app wrote to stdout and stderr (the last 20 kB), for failure messages. */
  log(name: string): string {
    return this.logs.get(name) ?? '';
  }

  /** Stops `name` with `signal` and resolves once its process is gone. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Starts `name` again with the same settings and port, and waits until it is ready. */
  async restart(name: string): Promise<void> {
    const app = this.app(name);
    this.spawn(app);
    await this.untilReady(app);
  }

  /** Stops redis-server and starts a fresh one on the same port (it keeps nothing: --save ''). */
  async restartRedis(downMs = 500): Promise<void> {
    const port = this.redis.port;
    await this.redis.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    this.redis = await startRedisServer({ port });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.children.keys()].map((name) => this.kill(name, 'SIGKILL')));
    await this.redis.stop().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private app(name: string): AppSpec {
    const app = this.apps.find((candidate) => candidate.name === name);
    if (!app) throw new Error(`no app ${name}`);
    return app;
  }

  private spawn(app: AppSpec): void {
    const child = spawn(process.execPath, [join(repoRoot, app.main)], {
      env: app.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) =>
      this.logs.set(app.name, (this.log(app.name) + chunk.toString()).slice(-20_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.children.set(app.name, child);
  }

  private async untilReady(app: AppSpec, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const child = this.children.get(app.name);
      if (child?.exitCode !== null || child?.signalCode !== null)
        throw new Error(`${app.name} exited while starting:\n${this.log(app.name)}`);
      const ready = await fetch(`http://127.0.0.1:${app.port}/health/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    throw new Error(`${app.name} was not ready within ${timeoutMs} ms:\n${this.log(app.name)}`);
  }
}
