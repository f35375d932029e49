import { ManualClock } from '@playlist-chat/platform';
import { expectEventually } from '@playlist-chat/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChatServer } from './support/chat-server';
import { historyOf } from './support/http';

const LINES = 20;
const TALK = (lines: { type: string; content: string }[]): string[] =>
  lines.filter((line) => line.type === 'TALK').map((line) => line.content);

/**
 * Issue 10: two instances on one store and fan-out whose clocks are 10 s apart write one room
 * at the same time. The store decides the room's order, so every view of the room agrees.
 */
describe('two instances with clocks 10 s apart writing one room', () => {
  let ahead: TestChatServer;
  let behind: TestChatServer;

  beforeAll(async () => {
    const limits = { CHAT_SEND_RATE_LIMIT: '1000', CHAT_HISTORY_PAGE_MAX: '100' };
    ahead = await TestChatServer.start(limits, { clock: new ManualClock('2026-03-01T12:00:10.000Z') });
    behind = await TestChatServer.start(ahead.env, {
      clock: new ManualClock('2026-03-01T12:00:00.000Z'),
      dataDir: ahead.dataDir,
    });
  });
  afterAll(async () => {
    await behind.close({ keepData: true });
    await ahead.close();
  });

  it('gives one order, the same live on both instances, in history, in replay and in search', async () => {
    const owner = await ahead.user();
    const room = await ahead.createRoom(owner);
    const ann = await ahead.member(room.id);
    const bob = await behind.member(room.id, await behind.user());
    const watchers = [
      await ann.client.subscribe(`/chat/topic/room/${room.id}`),
      await bob.client.subscribe(`/chat/topic/room/${room.id}`),
      await (
        await behind.member(room.id, await behind.user())
      ).client.subscribe(`/chat/topic/room/${room.id}`),
    ];

    // Both write at once: the slow clock's ids would sort before the fast clock's.
    await Promise.all(
      [ann, bob].map(({ user, client }) =>
        Promise.all(
          Array.from({ length: LINES }, (_, index) =>
            client.send('/chat/pub/send', {
              roomId: room.id,
              clientMessageId: `${user.uid}-${index}`,
              content: `${user.uid === ann.user.uid ? 'ann' : 'bob'} line ${index}`,
            }),
          ),
        ),
      ),
    );

    for (const inbox of watchers)
      await expectEventually(() => expect(inbox.ofType('TALK')).toHaveLength(2 * LINES));
    const live = watchers[0].ofType('TALK');
    const order = live.map((line) => line.content);
    const ids = live.map((line) => line.messageId as string);
    expect(new Set(ids).size).toBe(2 * LINES);
    expect([...ids].sort()).toEqual(ids); // ids sort in the room's order, whichever clock wrote them
    expect(order.filter((content) => content.startsWith('bob'))).toHaveLength(LINES);
    for (const other of watchers.slice(1))
      expect(other.ofType('TALK').map((line) => line.content)).toEqual(order);

    expect(TALK(await historyOf(owner.api, room.id))).toEqual(order);

    const replay = await ann.client.subscribe(`/chat/topic/room/${room.id}`, { 'last-message-id': ids[0] });
    await expectEventually(() => expect(replay.ofType('TALK')).toHaveLength(2 * LINES - 1));
    expect(replay.ofType('TALK').map((line) => line.content)).toEqual(order.slice(1));

    const found = await owner.api.get<{ messages: { type: string; content: string }[] }>(
      `/v1/api/chat/search?roomId=${room.id}&q=line&size=50`,
    );
    expect(found.status, JSON.stringify(found.body)).toBe(200);
    expect(TALK(found.body.messages).reverse()).toEqual(order);
  });
});
