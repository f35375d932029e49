import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';
import { historyOf } from './support/http';
import { StompErrorFrame } from './support/stomp-client';

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

/** The smallest STOMP limits start-up takes for CHAT_MAX_CONTENT_LENGTH=60000 still carry its longest line. */
describe('the longest line CHAT_MAX_CONTENT_LENGTH allows, at the least frame limits start-up takes', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start({
      CHAT_MAX_CONTENT_LENGTH: '60000',
      STOMP_MAX_BODY_BYTES: '241024',
      STOMP_MAX_FRAME_BYTES: '242304',
    });
  });
  afterAll(() => chat.close());

  const line = (characters: number) => '😀'.repeat(characters); // 4 UTF-8 bytes each

  it('takes 60,000 four-byte characters over STOMP, and refuses one more with content-too-long', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const client = await chat.connect(owner);
    const send = (clientMessageId: string, content: string) =>
      client.send(
        '/chat/pub/send',
        { roomId: room.id, clientMessageId, content },
        { 'content-type': 'application/json' },
      );

    await send('c'.repeat(64), line(60_000));
    const refused = await send('too-long', line(60_001)).catch((error: unknown) => error);

    expect((refused as StompErrorFrame).code).toBe('content-too-long');
    const talk = (await historyOf(owner.api, room.id)).filter((message) => message.type === 'TALK');
    expect(talk.map((message) => [...message.content].length)).toEqual([60_000]);
  });

  it('takes the same line over REST (the body limit follows), and refuses one more with content-too-long', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const post = (clientMessageId: string, content: string) =>
      owner.api.post('/v1/api/chat/api/v1/message', { roomId: room.id, clientMessageId, content });

    expect((await post('longest', line(60_000))).status).toBe(201);
    const refused = await post('too-long', line(60_001));
    expect(refused).toMatchObject({ status: 400, body: { code: 'content-too-long' } });
  });
});
