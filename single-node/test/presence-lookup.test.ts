import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenIssuer } from '@playlist-chat/platform';
import { expectEventually, freePort } from '@playlist-chat/platform/testing';
import { startSingleNode, type SingleNode } from '../src/single-node';

const SECRET = 'presence-lookup-test-secret-long-enough-for-hs256';
const issuer = new TokenIssuer({
  hmacSecret: new TextEncoder().encode(SECRET),
  rsaPublicKey: null,
  issuer: null,
  clockToleranceSeconds: 0,
});

/** Requests the presence server served on its internal routes, from its own `/metrics`. */
async function internalRequests(presenceUrl: string): Promise<number> {
  const text = await (await fetch(`${presenceUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('http_request_duration_seconds_count') && line.includes('/internal/'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

interface UserEvent {
  type: string;
  roomId?: string;
  mayChat?: boolean;
  source?: string;
}

/** A STOMP session on the chat server that collects its personal events. */
async function session(chatUrl: string, token: string): Promise<{ client: Client; events: UserEvent[] }> {
  const events: UserEvent[] = [];
  const client = new Client({
    webSocketFactory: () => new WebSocket(`${chatUrl.replace(/^http/, 'ws')}/ws-chat`),
    connectHeaders: { Authorization: `Bearer ${token}` },
    reconnectDelay: 0,
  });
  const connected = new Promise<void>((resolve) => (client.onConnect = () => resolve()));
  client.activate();
  await connected;
  client.subscribe('/user/queue/events', (message: IMessage) =>
    events.push(JSON.parse(message.body) as UserEvent),
  );
  return { client, events };
}

async function joinRoom(client: Client, roomId: string): Promise<void> {
  const receipt = `join-${roomId}`;
  const done = new Promise<void>((resolve) => client.watchForReceipt(receipt, () => resolve()));
  client.publish({ destination: '/chat/pub/join', body: JSON.stringify({ roomId }), headers: { receipt } });
  await done;
}

describe('single node: the chat server asks the presence server in process', () => {
  let dataDir: string;
  let node: SingleNode;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'presence-lookup-'));
    node = await startSingleNode(
      {
        GATEWAY_PORT: String(await freePort()),
        CHAT_PORT: '0',
        PRESENCE_PORT: '0',
        DATA_DIR: dataDir,
        AUTH_JWT_SECRET: SECRET,
        LOG_LEVEL: 'error',
      },
      { print: () => {} },
    );
  });

  afterAll(async () => {
    await node?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a join gets the member’s own choice (on, then off) without an HTTP request to /internal', async () => {
    const owner = await issuer.issue({ uid: 'u-owner', nickName: 'Owner', profileImage: '' }, 3600);
    const bob = await issuer.issue({ uid: 'u-bob', nickName: 'Bob', profileImage: '' }, 3600);
    const created = await fetch(`${node.chat.url}/v1/api/rooms/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        uid: 'u-owner',
        userName: 'Owner',
        playlist: {
          id: 'pl-lookup',
          name: 'Lookup',
          musics: [
            { title: 'One', artist: 'A', playtime: '3:00', thumbnail: 'https://img.example.com/one.png' },
          ],
        },
      }),
    });
    expect(created.status).toBe(201);
    const { id: roomId } = (await created.json()) as { id: string };

    const first = await session(node.chat.url, bob);
    await joinRoom(first.client, roomId);
    await expectEventually(() =>
      expect(first.events.filter((event) => event.type === 'presence-status')).toEqual([
        expect.objectContaining({ roomId, mayChat: true, source: 'presence-server' }),
      ]),
    );

    // Bob chooses to appear offline; a new session's join must learn it from the presence server.
    const off = await fetch(`${node.presence.url}/api/v1/presence/off`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roomId }),
    });
    expect(off.status).toBe(200);
    const second = await session(node.chat.url, bob);
    await joinRoom(second.client, roomId);
    await expectEventually(() =>
      expect(second.events.filter((event) => event.type === 'presence-status')).toEqual([
        expect.objectContaining({ roomId, mayChat: false, source: 'presence-server' }),
      ]),
    );

    // Over HTTP each of those joins was a request on /internal/v1/presence/{roomId}/members/{uid}.
    expect(await internalRequests(node.presence.url)).toBe(0);
    await first.client.deactivate();
    await second.client.deactivate();
  });
});
