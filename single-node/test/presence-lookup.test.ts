import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestStompClient } from '../../chat-server/test/support/stomp-client';
import type { SingleNode } from '../src/single-node';
import { startTestNode, testIssuer as issuer } from './support/test-node';
import { createRoom } from './support/rooms';

/** Requests the presence server served on its internal routes, from its own `/metrics`. */
async function internalRequests(presenceUrl: string): Promise<number> {
  const text = await (await fetch(`${presenceUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('http_request_duration_seconds_count') && line.includes('/internal/'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

interface PresenceStatus {
  type: string;
  roomId: string;
  mayChat: boolean;
  source: string;
}

describe('single node: the chat server asks the presence server in process', () => {
  let dataDir: string;
  let node: SingleNode;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'presence-lookup-'));
    node = await startTestNode(dataDir);
  });

  afterAll(async () => {
    await node?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Bob's new session joins the room; resolves with the presence-status events it was told. */
  async function joinAsBob(token: string, roomId: string) {
    const client = await TestStompClient.connect(`${node.chat.url.replace(/^http/, 'ws')}/ws-chat`, token);
    const personal = await client.subscribe('/user/queue/events');
    await client.send('/chat/pub/join', { roomId });
    const statuses = () =>
      personal.bodies<PresenceStatus>().filter((event) => event.type === 'presence-status');
    return { client, statuses };
  }

  it('a join gets the member’s own choice (on, then off) without an HTTP request to /internal', async () => {
    const owner = await issuer.issue({ uid: 'u-owner', nickName: 'Owner', profileImage: '' }, 3600);
    const bob = await issuer.issue({ uid: 'u-bob', nickName: 'Bob', profileImage: '' }, 3600);
    const { id: roomId } = await createRoom(
      node.chat.url,
      owner,
      { uid: 'u-owner', userName: 'Owner' },
      { id: 'pl-lookup', name: 'Lookup' },
    );

    const first = await joinAsBob(bob, roomId);
    await expectEventually(() =>
      expect(first.statuses()).toEqual([
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
    const second = await joinAsBob(bob, roomId);
    await expectEventually(() =>
      expect(second.statuses()).toEqual([
        expect.objectContaining({ roomId, mayChat: false, source: 'presence-server' }),
      ]),
    );

    // Over HTTP each of those joins was a request on /internal/v1/presence/{roomId}/members/{uid}.
    expect(await internalRequests(node.presence.url)).toBe(0);
    await first.client.disconnect();
    await second.client.disconnect();
  });
});
