import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChatServer } from './support/chat-server';
import { StompErrorFrame } from './support/stomp-client';

describe('CONNECTED tells the client the longest line (max-content-length)', () => {
  let chat: TestChatServer;
  beforeAll(async () => {
    chat = await TestChatServer.start({ CHAT_MAX_CONTENT_LENGTH: '300' });
  });
  afterAll(() => chat.close());

  it('is CHAT_MAX_CONTENT_LENGTH, and a line of that length is the longest accepted', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const client = await chat.connect(owner);
    expect(client.connectedHeaders['max-content-length']).toBe('300');

    const limit = Number(client.connectedHeaders['max-content-length']);
    await client.send('/chat/pub/send', {
      roomId: room.id,
      clientMessageId: 'at',
      content: 'x'.repeat(limit),
    });
    const refused = await client
      .send('/chat/pub/send', { roomId: room.id, clientMessageId: 'over', content: 'x'.repeat(limit + 1) })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(StompErrorFrame);
    expect((refused as StompErrorFrame).code).toBe('content-too-long');
  });
});
