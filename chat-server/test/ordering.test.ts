import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';
import { historyOf } from './support/http';

const SENDERS = 10;
const LINES = 15;

describe('per-room order and idempotency under 10 concurrent senders', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start({ CHAT_SEND_RATE_LIMIT: '1000' });
  });
  afterAll(() => chat.close());

  it('delivers every line once, in commit order, the same to every subscriber and in history', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const watchers = await Promise.all(
      [owner, await chat.user(), await chat.user()].map(async (user, index) => {
        const client = index === 0 ? await chat.connect(user) : (await chat.member(room.id, user)).client;
        return client.subscribe(`/chat/topic/room/${room.id}`);
      }),
    );
    const senders = await Promise.all(Array.from({ length: SENDERS }, () => chat.member(room.id)));

    // Every sender fires all its lines at once (pipelined on one connection), and resends
    // every third line as a client would after a lost receipt.
    await Promise.all(
      senders.map(({ user, client }) =>
        Promise.all(
          Array.from({ length: LINES }, async (_, index) => {
            const line = {
              roomId: room.id,
              clientMessageId: `${user.uid}-${index}`,
              content: `${user.uid} line ${index}`,
            };
            await client.send('/chat/pub/send', line);
            if (index % 3 === 0) await client.send('/chat/pub/send', line);
          }),
        ),
      ),
    );

    const expected = SENDERS * LINES;
    for (const inbox of watchers)
      await expectEventually(() => expect(inbox.ofType('TALK')).toHaveLength(expected));
    const seen = watchers.map((inbox) => inbox.ofType('TALK'));
    const ids = seen[0].map((line) => line.messageId as string);

    expect(new Set(ids).size).toBe(expected); // no duplicate
    expect([...ids].sort()).toEqual(ids); // delivered in id (= commit) order
    for (const other of seen.slice(1)) expect(other.map((line) => line.messageId)).toEqual(ids); // same order for everyone
    for (const { user } of senders) {
      // Each sender's lines arrive in the order that sender sent them (one connection = in order).
      const mine = seen[0].filter((line) => line.sender.uid === user.uid).map((line) => line.clientMessageId);
      expect(mine).toEqual(Array.from({ length: LINES }, (_, index) => `${user.uid}-${index}`));
    }

    const stored = (await historyOf(owner.api, room.id))
      .filter((line) => line.type === 'TALK')
      .map((line) => line.messageId);
    expect(stored).toEqual(ids);
  });
});
