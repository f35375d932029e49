import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';

describe('resubscribe with last-message-id', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start({ CHAT_SEND_RATE_LIMIT: '10000' });
  });
  afterAll(() => chat.close());

  it('replays what was missed, in order, before live lines, with no gap and no duplicate', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const reader = await chat.user();
    const first = (await chat.member(room.id, reader)).client;
    const before = await first.subscribe(`/chat/topic/room/${room.id}`);
    const writer = (await chat.member(room.id)).client;

    let sent = 0;
    const sendSome = async (count: number) => {
      for (let index = 0; index < count; index++) {
        sent += 1;
        await writer.send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: `w-${sent}`,
          content: `line ${sent}`,
        });
      }
    };
    await sendSome(5);
    await expectEventually(() => expect(before.ofType('TALK')).toHaveLength(5));
    const lastSeen = before.bodies().at(-1)!.messageId!;
    await first.disconnect();

    await sendSome(20); // missed while away
    // Lines keep coming while the reader resubscribes.
    const during = sendSome(30);
    const again = await chat.connect(reader);
    const after = await again.subscribe(`/chat/topic/room/${room.id}`, { 'last-message-id': lastSeen });
    await during;
    await sendSome(5);

    await expectEventually(() => expect(after.ofType('TALK')).toHaveLength(55));
    const talk = after.ofType('TALK').map((line) => line.clientMessageId);
    expect(talk).toEqual(Array.from({ length: 55 }, (_, index) => `w-${index + 6}`));
    const ids = after.bodies().map((line) => line.messageId!);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => id > lastSeen)).toBe(true);
  });

  it('replays nothing when nothing was missed, and only live lines follow', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const client = await chat.connect(owner);
    const first = await client.subscribe(`/chat/topic/room/${room.id}`);
    await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'only', content: 'only line' });
    await expectEventually(() => expect(first.ofType('TALK')).toHaveLength(1));
    const last = first.bodies().at(-1)!.messageId!;
    const other = await chat.connect(owner);
    const second = await other.subscribe(`/chat/topic/room/${room.id}`, { 'last-message-id': last });
    await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'next', content: 'live' });
    await expectEventually(() =>
      expect(second.bodies().map((line) => line.clientMessageId)).toEqual(['next']),
    );
  });

  it('marks a replay cut at CHAT_REPLAY_MAX_MESSAGES so the client pages the rest', async () => {
    const small = await TestChatServer.start({
      CHAT_REPLAY_MAX_MESSAGES: '3',
      CHAT_SEND_RATE_LIMIT: '10000',
    });
    try {
      const owner = await small.user();
      const room = await small.createRoom(owner);
      const client = await small.connect(owner);
      const first = await client.subscribe(`/chat/topic/room/${room.id}`);
      await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'a', content: 'a' });
      await expectEventually(() => expect(first.ofType('TALK')).toHaveLength(1));
      const last = first.bodies().at(-1)!.messageId!;
      for (const id of ['b', 'c', 'd', 'e'])
        await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: id, content: id });
      const other = await small.connect(owner);
      const replayed = await other.subscribe(`/chat/topic/room/${room.id}`, { 'last-message-id': last });
      await expectEventually(() =>
        expect(replayed.bodies().map((line) => line.clientMessageId)).toEqual(['b', 'c', 'd']),
      );
      expect(replayed.messages.map((message) => message.headers['replay-truncated'])).toEqual([
        undefined,
        undefined,
        'true',
      ]);
    } finally {
      await small.close();
    }
  });
});
