import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';

/** A replay larger than STOMP_MAX_BUFFERED_BYTES, at the product's defaults. */
describe('the largest replay of /ws-chat', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start({ CHAT_SEND_RATE_LIMIT: '10000' });
  });
  afterAll(() => chat.close());

  it('reaches a reconnecting client that reads: 1,000 lines of 2,000 code points (~8 MB, over 4 MiB)', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const reader = await chat.user();
    const first = (await chat.member(room.id, reader)).client;
    const inbox = await first.subscribe(`/chat/topic/room/${room.id}`);
    const writer = (await chat.member(room.id)).client;
    await writer.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'seen', content: 'seen' });
    await expectEventually(() => expect(inbox.ofType('TALK')).toHaveLength(1));
    const lastSeen = inbox.ofType('TALK')[0].messageId!;
    await first.disconnect();

    const content = '😀'.repeat(2_000); // 4 bytes each in UTF-8
    for (let batch = 0; batch < 1_000; batch += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          writer.send('/chat/pub/send', {
            roomId: room.id,
            clientMessageId: `w-${batch + i}`,
            content,
          }),
        ),
      );
    }

    const again = await chat.connect(reader);
    const replayed = await again.subscribe(`/chat/topic/room/${room.id}`, { 'last-message-id': lastSeen });
    const talk = replayed.ofType('TALK');
    expect(again.errors).toEqual([]);
    expect(again.isClosed).toBe(false);
    expect(talk).toHaveLength(1_000);
    expect(talk.map((line) => line.clientMessageId)).toEqual(
      Array.from({ length: 1_000 }, (_, i) => `w-${i}`),
    );
    await again.disconnect();
  }, 60_000);
});
