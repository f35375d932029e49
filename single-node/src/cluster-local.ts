import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
// The same private redis-server the tests start: a temp dir, a free port, no persistence.
import { startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
import { oneHostClusterEnv } from './cluster-env';
import { NODE_FLAGS } from './node-flags';
import { hostsBehindGateway } from './hosts-behind-gateway';
import { chatSettings } from '@playlist-chat/chat-server';
import { presenceSettings } from '@playlist-chat/presence-server';

/**
 * `npm run cluster:local -- --chat 2`: the cluster's shape on one host without Docker. Each app
 * is its own process (N chat servers, the presence server, the gateway); they share a SQLite
 * file in WAL mode under DATA_DIR (or MongoDB when MONGO_URL is set), Redis for the fan-out,
 * presence and the event bus (a private `redis-server` unless REDIS_URL is set), and find each
 * other through the static registry. Ctrl+C stops them all.
 *
 * Ports: gateway GATEWAY_PORT (8080), presence PRESENCE_PORT (18010), chat servers CHAT_PORT
 * (18000) and up.
 */
const repoRoot = resolve(__dirname, '..', '..');

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
  const env = process.env;
  const gatewayPort = Number(env.GATEWAY_PORT ?? 8080);
  const presencePort = Number(env.PRESENCE_PORT ?? 18010);
  const firstChatPort = Number(env.CHAT_PORT ?? 18000);
  const chatPorts = Array.from({ length: chatCount }, (_, index) => firstChatPort + index);
  const dataDir = resolve(env.DATA_DIR ?? join(repoRoot, 'data', 'cluster-local'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  let redis: TestRedis | undefined;
  const redisUrl = env.REDIS_URL || (redis = await startRedisServer()).url;

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

  const apps: App[] = [];
  const start = (name: string, main: string, extra: NodeJS.ProcessEnv): void => {
    const child = spawn(process.execPath, [...NODE_FLAGS, join(repoRoot, main)], {
      env: { ...shared, ...extra, INSTANCE_ID: name },
      stdio: 'inherit',
    });
    apps.push({ name, child });
    child.once('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${name} exited (${signal ?? code}); stopping the others`);
        void stop(1);
      }
    });
  };

  let stopping = false;
  const stop = async (exitCode: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      apps.map(
        ({ child }) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      ),
    );
    await redis?.stop();
    process.exit(exitCode);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));

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
    for (const port of [presencePort, ...chatPorts, gatewayPort])
      await untilReady(`http://127.0.0.1:${port}/health/ready`, 60_000);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return stop(1);
  }

  console.log(
    [
      '',
      `Playlist chat is running as a local cluster: ${chatCount} chat server(s), presence, gateway.`,
      `  Web client      http://localhost:${gatewayPort}/`,
      `  Chat servers    ${chatPorts.map((port) => `http://127.0.0.1:${port}`).join('  ')}`,
      `  Presence        http://127.0.0.1:${presencePort}`,
      `  Redis           ${redisUrl}${redis ? ' (private, stopped with the cluster)' : ''}`,
      `  Data            ${dataDir}`,
      'Press Ctrl+C to stop them all.',
      '',
    ].join('\n'),
  );
}

/** Polls `url` until it answers 2xx (the gateway is ready once it sees the chat servers). */
async function untilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
