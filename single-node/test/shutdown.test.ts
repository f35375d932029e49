import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestStompClient } from '../../chat-server/test/support/stomp-client';
import type { SingleNode } from '../src/single-node';
import { createRoom } from './support/rooms';
import { startTestNode, testIssuer } from './support/test-node';

describe('single node stopping (SIGTERM) with clients connected through its gateway', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'shutdown-'));
  let node: SingleNode | undefined;

  afterAll(async () => {
    await node?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('tells every client it is shutting down, and answers every line it stored with a RECEIPT', async () => {
    node = await startTestNode(dataDir, { CHAT_SEND_RATE_LIMIT: '1000' });
    const token = await testIssuer.issue({ uid: 'u-ann', nickName: 'Ann', profileImage: '' }, 3600);
    const { id: roomId } = await createRoom(
      node.gateway.url,
      token,
      { uid: 'u-ann', userName: 'Ann' },
      { id: 'pl-stop', name: 'Stop' },
    );
    // As the web client connects: through the gateway, not to the chat server's own port.
    const client = await TestStompClient.connect(`${node.gateway.url.replace(/^http/, 'ws')}/ws-chat`, token);
    const receipted: string[] = [];
    const sends = Array.from({ length: 40 }, (_, index) =>
      client.send('/chat/pub/send', { roomId, clientMessageId: `s-${index}`, content: `line ${index}` }).then(
        () => receipted.push(`s-${index}`),
        () => undefined,
      ),
    );
    await expectEventually(() => expect(receipted.length).toBeGreaterThan(0)); // stop while the rest are in flight
    await node.close();
    await Promise.all(sends);
    await client.closed;
    expect(client.errors.map((frame) => frame.headers.code)).toContain('server-shutting-down');

    node = await startTestNode(dataDir);
    const history = (await (
      await fetch(`${node.chat.url}/v1/api/chat/api/v1/history/${roomId}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { messages: { type: string; clientMessageId: string | null }[] };
    const stored = history.messages
      .filter((line) => line.type === 'TALK')
      .map((line) => line.clientMessageId);
    expect(stored.slice().sort()).toEqual(receipted.slice().sort());
  });
});
