import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

describe('npm run cluster:local (each app its own process, sharing Redis and a SQLite file)', () => {
  let launcher: ChildProcess;
  let output = '';
  let dataDir: string;
  const ports = { gateway: 0, presence: 0, chat: 0 };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cluster-local-'));
    ports.gateway = await freePort();
    ports.presence = await freePort();
    ports.chat = await twoFreePorts();
    launcher = spawn(process.execPath, [join(repoRoot, 'single-node/dist/cluster-local.js'), '--chat', '2'], {
      env: {
        ...process.env,
        GATEWAY_PORT: String(ports.gateway),
        PRESENCE_PORT: String(ports.presence),
        CHAT_PORT: String(ports.chat),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        REDIS_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await expectEventually(() => expect(output).toContain('running as a local cluster'), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
  }, 90_000);

  afterAll(() => {
    if (launcher.exitCode === null) launcher.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (path: string, token?: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${ports.gateway}${path}`, {
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
    const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const port of [ports.gateway, ports.presence, ports.chat, ports.chat + 1])
      await expectEventually(async () => expect(await isFree(port)).toBe(true));
  });
});
