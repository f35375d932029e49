import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type IMessage } from '@stomp/stompjs';
import { WebSocket } from 'ws';
import { expectEventually, freePort } from '@playlist-chat/platform/testing';
import { repoRoot } from './support/repo-root';

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Runs a command from the repository root exactly as a person would, collecting what it prints. */
function run(command: string, args: string[], env: Record<string, string>): Started {
  // Its own process group, so that everything it started can be found (and cleaned up) as one.
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Whether any process of the group is still running. */
function groupAlive(child: ChildProcess): boolean {
  try {
    process.kill(-child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess): void {
  if (groupAlive(child)) process.kill(-child.pid!, 'SIGKILL');
}

async function startApp(
  command: string,
  args: string[],
  dataDir: string,
): Promise<{ app: Started; base: string }> {
  const port = await freePort();
  const app = run(command, args, {
    GATEWAY_PORT: String(port),
    CHAT_PORT: '0',
    PRESENCE_PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  });
  // `npm start` builds first (prestart), then prints the URLs once everything listens.
  await expectEventually(() => expect(app.output()).toContain('Playlist chat is running'), {
    timeoutMs: 90_000,
    intervalMs: 200,
  });
  return { app, base: `http://127.0.0.1:${port}` };
}

const bodyOf = async <T>(response: Response): Promise<T> => (await response.json()) as T;

describe('npm start (README: "npm install", then "npm start")', () => {
  let dataDir: string;
  let base: string;
  let app: Started;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
    ({ app, base } = await startApp('npm', ['start'], dataDir));
  }, 120_000);

  afterAll(async () => {
    if (app) killGroup(app.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints where everything is', () => {
    expect(app.output()).toContain(`Web client      ${base.replace('127.0.0.1', 'localhost')}/`);
    expect(app.output()).toContain('/docs');
    expect(app.output()).toContain('/ws-chat');
  });

  it('serves the product through the gateway: sign-in, a room, a line over STOMP, history, docs', async () => {
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    expect((await fetch(`${base}/`)).status).toBe(200);
    const { accessToken } = await bodyOf<{ accessToken: string }>(
      await fetch(`${base}/v1/api/auth/dev-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uid: 'u-ann', nickName: 'Ann' }),
      }),
    );
    const auth = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/v1/api/rooms/create`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        uid: 'u-ann',
        userName: 'Ann',
        playlist: {
          id: 'pl-1',
          name: 'Smoke Test',
          musics: [
            {
              title: 'One',
              artist: 'A',
              playtime: '3:00',
              thumbnail: `${base}/samples/covers/night-drive.svg`,
            },
          ],
        },
      }),
    });
    expect(created.status).toBe(201);
    const room = await bodyOf<{ id: string }>(created);

    const received: string[] = [];
    const stomp = new Client({
      webSocketFactory: () => new WebSocket(`${base.replace('http', 'ws')}/ws-chat`),
      connectHeaders: { Authorization: `Bearer ${accessToken}` },
      reconnectDelay: 0,
    });
    const connected = new Promise<void>((resolve) => (stomp.onConnect = () => resolve()));
    stomp.activate();
    await connected;
    stomp.subscribe(`/chat/topic/room/${room.id}`, (message: IMessage) =>
      received.push((JSON.parse(message.body) as { content: string }).content),
    );
    const receipt = new Promise<void>((resolve) => stomp.watchForReceipt('r-1', () => resolve()));
    stomp.publish({
      destination: '/chat/pub/send',
      body: JSON.stringify({ roomId: room.id, clientMessageId: 'c-1', content: 'hello through the gateway' }),
      headers: { receipt: 'r-1' },
    });
    await receipt;
    await expectEventually(() => expect(received).toContain('hello through the gateway'));
    await stomp.deactivate();

    const history = await bodyOf<{ messages: { content: string }[] }>(
      await fetch(`${base}/v1/api/chat/history?roomId=${room.id}`, { headers: auth }),
    );
    expect(history.messages.map((message) => message.content)).toContain('hello through the gateway');
    expect((await fetch(`${base}/docs/openapi/chat-server.json`)).status).toBe(200);
    expect((await fetch(`${base}/docs/openapi/presence-server.json`)).status).toBe(200);
  });

  it('stops gracefully when its supervisor sends SIGTERM to npm, leaving nothing running', async () => {
    app.child.kill('SIGTERM');

    // npm hands SIGTERM to its `sh -c`, which dies without passing it on; the app notices and stops the same way.
    await expectEventually(() => expect(app.output()).toMatch(/stopping \(new connections refused/), {
      timeoutMs: 5_000,
    });
    await expectEventually(() => expect(app.output()).toContain('\nstopped\n'), { timeoutMs: 15_000 });
    await expectEventually(() => expect(groupAlive(app.child)).toBe(false), { timeoutMs: 5_000 });
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  });
});

describe('node single-node/dist/main.js (what npm start runs, after its build)', () => {
  let dataDir: string;
  let app: Started | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'main-'));
  });

  afterAll(() => {
    if (app) killGroup(app.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 0 on SIGTERM once stopped, within SHUTDOWN_TIMEOUT_MS (past it, it exits 1)', async () => {
    let base: string;
    ({ app, base } = await startApp('node', ['single-node/dist/main.js'], dataDir));
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);

    app.child.kill('SIGTERM');

    expect(await app.exited).toBe(0);
    expect(app.output()).toContain('SIGTERM: stopping');
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  }, 60_000);

  it('refuses a bad setting at start-up with a message naming it, exit code 1', async () => {
    const bad = run('node', ['single-node/dist/main.js'], { GATEWAY_PORT: 'eighty', DATA_DIR: dataDir });

    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain('GATEWAY_PORT must be an integer from 0 to 65535 (got "eighty")');
  });
});

describe('each app alone: node <app>/dist/main.js', () => {
  const started: Started[] = [];
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'alone-'));
  });

  afterAll(() => {
    for (const app of started) killGroup(app.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['chat-server', 'CHAT_PORT', '/health/ready'],
    ['presence-server', 'PRESENCE_PORT', '/health/ready'],
    ['gateway', 'GATEWAY_PORT', '/health/live'],
  ])(
    'runs %s as its own process, healthy on its port, and stops it with exit 0 on SIGTERM',
    async (name, portVariable, health) => {
      const port = await freePort();
      const app = run('node', [`${name}/dist/main.js`], {
        [portVariable]: String(port),
        DATA_DIR: join(dataDir, name),
        LOG_LEVEL: 'warn',
      });
      started.push(app);
      const base = `http://127.0.0.1:${port}`;
      await expectEventually(async () => expect((await fetch(`${base}${health}`)).status).toBe(200), {
        timeoutMs: 30_000,
        intervalMs: 200,
      });

      app.child.kill('SIGTERM');

      expect(await app.exited).toBe(0);
      await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    },
    60_000,
  );
});

describe('apps as separate processes, found through a static registry', () => {
  const started: Started[] = [];
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'static-'));
  });

  afterAll(() => {
    for (const app of started) killGroup(app.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('routes through a lone gateway process to a lone chat-server process listed in STATIC_SERVICES', async () => {
    const [chatPort, gatewayPort] = [await freePort(), await freePort()];
    const chat = run('node', ['chat-server/dist/main.js'], {
      CHAT_PORT: String(chatPort),
      DATA_DIR: join(dataDir, 'chat'),
      LOG_LEVEL: 'warn',
    });
    const gateway = run('node', ['gateway/dist/main.js'], {
      GATEWAY_PORT: String(gatewayPort),
      SERVICE_REGISTRY: 'static',
      STATIC_SERVICES: `chat-server=http://127.0.0.1:${chatPort}`,
      LOG_LEVEL: 'warn',
    });
    started.push(chat, gateway);
    // Routed to the chat server, which asks for a token: 401 from it, not the gateway's 503.
    await expectEventually(
      async () =>
        expect((await fetch(`http://127.0.0.1:${gatewayPort}/v1/api/rooms/joined`)).status).toBe(401),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    chat.child.kill('SIGKILL');
    await chat.exited;
    await expectEventually(
      async () =>
        expect((await fetch(`http://127.0.0.1:${gatewayPort}/v1/api/rooms/joined`)).status).toBe(503),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  }, 90_000);
});
