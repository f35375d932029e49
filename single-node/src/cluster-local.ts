import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ConfigError,
  loadSettings,
  loadSettingsGroups,
  platformSettings,
  redactUrl,
  type Env,
} from '@playlist-chat/platform';
import { loadDotEnv } from '@playlist-chat/platform/telemetry';
import { chatSettings } from '@playlist-chat/chat-server';
import { presenceSettings } from '@playlist-chat/presence-server';
import { gatewaySettings } from '@playlist-chat/gateway';
import { oneHostClusterEnv } from './cluster-env';
import type { FromWatchdog, ToWatchdog } from './cluster-watchdog';
import { hostsBehindGateway } from './hosts-behind-gateway';
import { NODE_FLAGS } from './node-flags';
import { samePortProblems } from './same-port';

/**
 * `npm run cluster:local -- --chat 2`: the cluster's shape on one host without Docker. Each app
 * is its own process (N chat servers, the presence server, the gateway); they share a SQLite
 * file in WAL mode under DATA_DIR (or MongoDB when MONGO_URL is set), Redis for the fan-out,
 * presence and the event bus (a private `redis-server` unless REDIS_URL is set), and find each
 * other through the static registry. Ctrl+C stops them all: the apps first, then Redis.
 *
 * Settings as `npm start` reads them (the environment, then `.env` at the repository root), with
 * the apps' own checks: ports GATEWAY_PORT (8080), PRESENCE_PORT (18010), CHAT_PORT (18000) and
 * up, each a known port (0, "any free port", cannot be wired into the static registry). DATA_DIR
 * from the environment only, else data/cluster-local in the repository: `.env`'s is the single
 * node's (./data), whose data stay apart.
 *
 * The private redis-server runs under the cluster's watchdog (cluster-watchdog.ts), which stops
 * the apps and Redis when this launcher disappears without stopping them (SIGKILL, a crash).
 */
const repoRoot = resolve(__dirname, '..', '..');
const DEFAULT_DATA_DIR = join(repoRoot, 'data', 'cluster-local');
/** An app still running this long past SHUTDOWN_TIMEOUT_MS (when it ends its own stop, exit 1) is killed. */
const KILL_MARGIN_MS = 5_000;
/** How long stopping the private redis-server may take. */
const REDIS_STOP_MS = 10_000;

interface App {
  readonly name: string;
  readonly child: ChildProcess;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { chat: { type: 'string', default: '2' } } });
  const chatCount = Number(values.chat);
  if (!Number.isInteger(chatCount) || chatCount < 1 || chatCount > 16) {
    throw new Error(`--chat must be a whole number from 1 to 16 (got ${values.chat})`);
  }
  // DATA_DIR from the environment only: .env's is the single node's folder.
  const dataDirSet = process.env.DATA_DIR;
  loadDotEnv(join(repoRoot, '.env'));
  const env = process.env;
  let settings: ClusterLocalSettings;
  try {
    settings = loadClusterLocalSettings({ ...env, DATA_DIR: dataDirSet }, chatCount);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const { gatewayPort, presencePort, chatPorts, shutdownTimeoutMs } = settings;
  const dataDir = resolve(settings.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const appsStopWithinMs = shutdownTimeoutMs + KILL_MARGIN_MS;

  const watchdog = spawn(process.execPath, [join(__dirname, 'cluster-watchdog.js')], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const watchdogExited = new Promise<void>((done) => watchdog.once('exit', () => done()));
  const tell = (message: ToWatchdog) => {
    if (watchdog.connected) watchdog.send(message);
  };
  const answered = new Promise<FromWatchdog>((done) => {
    watchdog.once('message', (message) => done(message as FromWatchdog));
    watchdog.once('exit', (code, signal) =>
      done({ kind: 'failed', message: `the cluster's watchdog exited (${signal ?? code}) as it started` }),
    );
  });

  const apps: App[] = [];
  let stopping = false;
  const stop = async (failed: boolean): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const forced = await Promise.all(apps.map((app) => stopApp(app, appsStopWithinMs)));
    // Redis last: an app still stopping may need it (the bus, presence, deregistering).
    tell({ kind: 'stop' });
    await Promise.race([watchdogExited, delay(REDIS_STOP_MS)]);
    const unclean = apps
      .filter(({ child }, index) => forced[index] || !(child.exitCode === 0 || stoppedWhileLoading(child)))
      .map(({ name, child }) => `${name} (${child.signalCode ?? `exit ${child.exitCode}`})`);
    if (unclean.length > 0) console.error(`not every app stopped cleanly: ${unclean.join(', ')}`);
    if (watchdog.exitCode === null && watchdog.signalCode === null)
      console.error(`the cluster's watchdog did not stop Redis within ${REDIS_STOP_MS} ms`);
    process.exit(failed || unclean.length > 0 || watchdog.exitCode !== 0 ? 1 : 0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      if (!stopping) return void stop(false);
      // A later signal is the apps' to judge (within a second of the first they take it as the
      // same, e.g. a Ctrl+C that reached them too; after that they stop at once, exit 1).
      for (const { child } of apps) if (child.exitCode === null) child.kill(signal);
    });
  watchdog.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`the cluster's watchdog exited (${signal ?? code}); stopping the apps`);
    void stop(true);
  });

  tell({ kind: 'start', privateRedis: !env.REDIS_URL, appsStopWithinMs });
  const answer = await answered;
  if (stopping) return;
  if (answer.kind === 'failed') {
    console.error(answer.message);
    return stop(true);
  }
  const redisUrl = env.REDIS_URL || answer.redisUrl || '';

  const shared: NodeJS.ProcessEnv = {
    ...env,
    ...oneHostClusterEnv({
      dataDir,
      redisUrl,
      chatPorts,
      presencePort,
      internalToken: env.PRESENCE_INTERNAL_TOKEN || 'cluster-local-internal-token',
    }),
    ...(env.MONGO_URL ? { CHAT_STORE: 'mongo' } : {}),
  };

  const start = (name: string, main: string, extra: NodeJS.ProcessEnv): void => {
    const child = spawn(process.execPath, [...NODE_FLAGS, join(repoRoot, main)], {
      env: { ...shared, ...extra, INSTANCE_ID: name },
      stdio: 'inherit',
    });
    apps.push({ name, child });
    if (child.pid !== undefined) tell({ kind: 'app-started', pid: child.pid });
    child.once('exit', (code, signal) => {
      if (child.pid !== undefined) tell({ kind: 'app-exited', pid: child.pid });
      if (!stopping) {
        console.error(`${name} exited (${signal ?? code}); stopping the others`);
        void stop(true);
      }
    });
  };

  start('presence-server', 'presence-server/dist/main.js', {
    PRESENCE_PORT: String(presencePort),
    ...hostsBehindGateway(presenceSettings, shared),
  });
  chatPorts.forEach((port, index) =>
    start(`chat-server-${index + 1}`, 'chat-server/dist/main.js', {
      CHAT_PORT: String(port),
      ...hostsBehindGateway(chatSettings, shared),
    }),
  );
  start('gateway', 'gateway/dist/main.js', { GATEWAY_PORT: String(gatewayPort) });
  try {
    // Every app, not only the gateway: until its first health check, the registry counts a
    // listed instance as up, and the gateway would route to a chat server still starting.
    for (const port of [presencePort, ...chatPorts, gatewayPort]) {
      await untilReady(`http://127.0.0.1:${port}/health/ready`, 60_000, () => stopping);
      if (stopping) return;
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return stop(true);
  }

  console.log(
    [
      '',
      `Playlist chat is running as a local cluster: ${chatCount} chat server(s), presence, gateway.`,
      `  Web client      http://localhost:${gatewayPort}/`,
      `  Chat servers    ${chatPorts.map((port) => `http://127.0.0.1:${port}`).join('  ')}`,
      `  Presence        http://127.0.0.1:${presencePort}`,
      `  Redis           ${redactUrl(redisUrl)}${env.REDIS_URL ? '' : ' (private, stopped after the apps)'}`,
      `  Data            ${dataDir}`,
      'Press Ctrl+C to stop them all.',
      '',
    ].join('\n'),
  );
}

interface ClusterLocalSettings {
  readonly dataDir: string;
  readonly shutdownTimeoutMs: number;
  readonly gatewayPort: number;
  readonly presencePort: number;
  readonly chatPorts: readonly number[];
}

/**
 * The launcher's settings, through the apps' own declarations (a bad value is a ConfigError
 * naming every bad variable, as the apps would), and what cluster:local adds: known ports, one
 * per app, the chat servers' from CHAT_PORT up. DATA_DIR empty or unset: data/cluster-local.
 */
function loadClusterLocalSettings(env: Env, chatCount: number): ClusterLocalSettings {
  const ports = { gateway: gatewaySettings.port, presence: presenceSettings.port, chat: chatSettings.port };
  const loaded = loadSettingsGroups(
    {
      launcher: () =>
        loadSettings(
          {
            dataDir: { ...platformSettings.dataDir, defaultValue: DEFAULT_DATA_DIR },
            shutdownTimeoutMs: platformSettings.shutdownTimeoutMs,
          },
          env,
        ),
      gateway: () => loadSettings({ port: ports.gateway }, env).port,
      presence: () => loadSettings({ port: ports.presence }, env).port,
      chat: () => loadSettings({ port: ports.chat }, env).port,
    },
    (groups) => {
      const problems: string[] = [];
      const claimed: [string, number][] = [];
      for (const app of ['gateway', 'presence', 'chat'] as const)
        if (groups[app] === 0)
          problems.push(
            `${ports[app].env} must not be 0 (any free port) for cluster:local: it wires the apps together by their ports (the static registry, its readiness checks); choose a free port`,
          );
      const { chat, presence, gateway } = groups;
      if (chat !== undefined && chat !== 0) {
        const highest = 65_535 - (chatCount - 1);
        if (chat > highest)
          problems.push(
            `${ports.chat.env} (${chat}) must be at most ${highest}: the ${chatCount} chat servers take it and the ports after it`,
          );
        else
          for (let index = 0; index < chatCount; index++)
            claimed.push([
              `chat server ${index + 1} (${ports.chat.env}${index ? ` + ${index}` : ''})`,
              chat + index,
            ]);
      }
      if (presence) claimed.push([ports.presence.env, presence]);
      if (gateway) claimed.push([ports.gateway.env, gateway]);
      return [...problems, ...samePortProblems(claimed)];
    },
  );
  return {
    ...loaded.launcher,
    gatewayPort: loaded.gateway,
    presencePort: loaded.presence,
    chatPorts: Array.from({ length: chatCount }, (_, index) => loaded.chat + index),
  };
}

/**
 * Stops one app the graceful way (SIGTERM); one still running `withinMs` later (past its own
 * SHUTDOWN_TIMEOUT_MS) is killed. Resolves once it exited: true when it had to be killed.
 */
async function stopApp({ name, child }: App, withinMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return false;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const inTime = await Promise.race([exited.then(() => true), delay(withinMs).then(() => false)]);
  if (inTime) return false;
  console.error(`${name} did not stop within ${withinMs} ms: killing it`);
  child.kill('SIGKILL');
  await exited;
  return true;
}

/**
 * Ended by a Ctrl+C or the stop's SIGTERM itself: that happens only to an app still loading its
 * code, before its main catches them (from then on they stop it gracefully), so nothing of it
 * had started yet.
 */
const stoppedWhileLoading = (child: ChildProcess) =>
  child.signalCode === 'SIGINT' || child.signalCode === 'SIGTERM';

/** Polls `url` until it answers 2xx (the gateway is ready once it sees the chat servers). */
async function untilReady(url: string, timeoutMs: number, cancelled: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !cancelled()) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await delay(200);
  }
  if (!cancelled()) throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
