import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';
import { historyOf } from './support/http';

/** The chat server's STOMP endpoint under the STOMP_* limits (the library's own suite covers each limit in depth). */
describe('STOMP limits of /ws-chat', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start({ STOMP_MAX_ID_HEADER_BYTES: '32', STOMP_HEARTBEAT_MIN_MS: '1000' });
  });
  afterAll(() => chat.close());

  it('refuses a COMMIT whole when one of its chat lines is invalid: nothing is stored', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const client = await chat.connect(owner);
    const tx = client.client.begin('lines');
    client.client.publish({
      destination: '/chat/pub/send',
      headers: { transaction: tx.id },
      body: JSON.stringify({ roomId: room.id, clientMessageId: 'tx-1', content: 'first, valid' }),
    });
    client.client.publish({
      destination: '/chat/pub/send',
      headers: { transaction: tx.id },
      body: JSON.stringify({ roomId: room.id, clientMessageId: 'tx-2' }), // no content
    });
    tx.commit();
    await client.closed;
    expect(client.errors[0]?.headers.code).toBe('invalid-payload');
    const lines = await historyOf(owner.api, room.id);
    expect(lines.map((line) => line.clientMessageId)).not.toContain('tx-1');
  });

  it('applies STOMP_MAX_ID_HEADER_BYTES to receipts', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const client = await chat.connect(owner);
    client.client.publish({
      destination: '/chat/pub/typing',
      headers: { receipt: 'r'.repeat(33) },
      body: JSON.stringify({ roomId: room.id }),
    });
    await client.closed;
    expect(client.errors[0]?.headers).toMatchObject({
      code: 'header-too-long',
      message: 'receipt header is longer than 32 bytes',
    });
  });

  it('offers STOMP_HEARTBEAT_MIN_MS in CONNECTED, so a client asking for 1 s heart-beats gets them', async () => {
    const owner = await chat.user();
    const ws = new WebSocket(chat.wsUrl, ['v12.stomp']);
    const received: string[] = [];
    ws.on('message', (data: Buffer) => received.push(data.toString('utf8')));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(
      `CONNECT\naccept-version:1.2\nhost:chat\nheart-beat:0,1000\nAuthorization:Bearer ${owner.token}\n\n\0`,
    );
    await expectEventually(() => expect(received[0]).toMatch(/^CONNECTED\n/));
    expect(received[0]).toContain('heart-beat:1000,1000');
    await expectEventually(
      () => expect(received.filter((m) => m === '\n').length).toBeGreaterThanOrEqual(2),
      {
        timeoutMs: 4_500,
      },
    );
    ws.close();
  });
});
