import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@playlist-chat/platform';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';
import { historyOf, type Api } from './support/http';
import type { MessagePageView, RoomSummaryView, RoomView } from './support/shapes';
import { StompErrorFrame, type Inbox } from './support/stomp-client';

const UNKNOWN_ROOM = '00000000-0000-4000-8000-000000000000';

describe('live chat over STOMP', () => {
  const clock = new ManualClock('2026-04-01T09:00:00.000Z');
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start(
      { CHAT_SEND_RATE_LIMIT: '5', CHAT_SEND_RATE_WINDOW_SECONDS: '10', CHAT_MAX_CONTENT_LENGTH: '2000' },
      { clock },
    );
  });
  afterAll(() => chat.close());

  async function roomWithWatcher() {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const watcher = await chat.connect(owner);
    const inbox = await watcher.subscribe(`/chat/topic/room/${room.id}`);
    return { owner, room, watcher, inbox };
  }

  it('announces a join with ENTER, then delivers TALK lines with sender, ids and time', async () => {
    const { room, inbox } = await roomWithWatcher();
    const bob = await chat.user({ nickName: 'Bob' });
    const client = await chat.connect(bob);
    await client.send('/chat/pub/join', { roomId: room.id });
    await client.send('/chat/pub/join', { roomId: room.id }); // idempotent: no second ENTER
    await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'c-1', content: 'hello, room' });

    await expectEventually(() => expect(inbox.messages).toHaveLength(2));
    const [enter, talk] = inbox.bodies();
    expect(enter).toMatchObject({
      type: 'ENTER',
      roomId: room.id,
      content: 'Bob has entered',
      sender: { uid: bob.uid, nickName: 'Bob', profileImage: bob.profileImage },
      clientMessageId: null,
    });
    expect(talk).toMatchObject({
      type: 'TALK',
      roomId: room.id,
      clientMessageId: 'c-1',
      content: 'hello, room',
      sender: { uid: bob.uid, nickName: 'Bob', profileImage: bob.profileImage },
      createdAt: clock.now().toISOString(),
    });
    expect(talk.messageId! > enter.messageId!).toBe(true);
    expect(inbox.messages[1].headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers the RECEIPT only once the line is stored', async () => {
    const { room, owner, watcher } = await roomWithWatcher();
    await watcher.send('/chat/pub/send', {
      roomId: room.id,
      clientMessageId: 'stored-1',
      content: 'durable',
    });
    const page = await owner.api.get<MessagePageView>(`/v1/api/chat/history?roomId=${room.id}&size=1`);
    expect(page.body.messages[0]).toMatchObject({ clientMessageId: 'stored-1', content: 'durable' });
  });

  it('stores and delivers a resent clientMessageId once', async () => {
    const { room, owner, watcher, inbox } = await roomWithWatcher();
    const sender = await chat.connect(owner);
    await sender.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'same', content: 'once' });
    await sender.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'same', content: 'once' });
    await sender.disconnect();
    const reconnected = await chat.connect(owner);
    await reconnected.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'same', content: 'once' });
    await reconnected.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'after', content: 'next' });
    await expectEventually(() =>
      expect(inbox.ofType('TALK').map((line) => line.clientMessageId)).toEqual(['same', 'after']),
    );
    const history = await historyOf(owner.api, room.id);
    expect(history.filter((line) => line.type === 'TALK').map((line) => line.clientMessageId)).toEqual([
      'same',
      'after',
    ]);
    expect(watcher.errors).toEqual([]);
  });

  describe('refusals: an ERROR naming the rule, nothing stored, everyone else unaffected', () => {
    async function expectRefused(send: Promise<unknown>, code: string): Promise<StompErrorFrame> {
      const error = await send.then(
        () => {
          throw new Error(`expected ERROR ${code}`);
        },
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(StompErrorFrame);
      expect((error as StompErrorFrame).code).toBe(code);
      expect((error as StompErrorFrame).frame.headers.message).toBeTruthy();
      return error as StompErrorFrame;
    }

    async function expectNothingStoredAndStillServing(
      roomId: string,
      owner: { api: Api },
      inbox: Inbox,
      before: number,
    ) {
      expect(await historyOf(owner.api, roomId)).toHaveLength(before);
      const other = await chat.member(roomId);
      await other.client.send('/chat/pub/send', {
        roomId,
        clientMessageId: `still-${Date.now()}`,
        content: 'still here',
      });
      await expectEventually(() =>
        expect(inbox.bodies().some((line) => line.content === 'still here')).toBe(true),
      );
    }

    it('over-long content: content-too-long with the limit', async () => {
      const { room, owner, inbox } = await roomWithWatcher();
      const { client } = await chat.member(room.id);
      const before = (await historyOf(owner.api, room.id)).length;
      const error = await expectRefused(
        client.send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: 'long',
          content: 'x'.repeat(2001),
        }),
        'content-too-long',
      );
      expect(error.frame.headers.message).toContain('2000');
      expect(error.frame.headers['receipt-id']).toBeTruthy();
      await client.closed;
      await expectNothingStoredAndStillServing(room.id, owner, inbox, before);
    });

    it('blank content (empty, spaces, tabs, newlines, other Unicode spaces): invalid-payload naming content', async () => {
      const { room, owner, inbox } = await roomWithWatcher();
      const blanks = ['', '   ', '\n\t \r\n', '\u00a0\u3000\u2003'];
      // One member each: an ERROR ends the session.
      const members = await Promise.all(blanks.map(() => chat.member(room.id)));
      const before = (await historyOf(owner.api, room.id)).length;
      for (const [index, content] of blanks.entries()) {
        const { client } = members[index];
        const error = await expectRefused(
          client.send('/chat/pub/send', { roomId: room.id, clientMessageId: `blank-${index}`, content }),
          'invalid-payload',
        );
        expect(JSON.parse(error.frame.body)).toMatchObject({
          errors: [{ field: 'content', reason: 'content must not be empty or only spaces' }],
        });
        const overHttp = await owner.api.post('/v1/api/chat/api/v1/message', {
          roomId: room.id,
          clientMessageId: `blank-http-${index}`,
          content,
        });
        expect(overHttp).toMatchObject({
          status: 400,
          body: { code: 'invalid-payload', errors: [{ field: 'content' }] },
        });
      }
      await expectNothingStoredAndStillServing(room.id, owner, inbox, before);
      // Spaces around a visible character are the sender's own: kept as sent.
      const { client } = await chat.member(room.id);
      await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'spaced', content: '  hi  ' });
      await expectEventually(() =>
        expect(inbox.bodies().some((line) => line.content === '  hi  ')).toBe(true),
      );
    });

    it('exactly the limit is accepted', async () => {
      const { room, inbox } = await roomWithWatcher();
      const { client } = await chat.member(room.id);
      await client.send('/chat/pub/send', {
        roomId: room.id,
        clientMessageId: 'limit',
        content: '가'.repeat(2000),
      });
      await expectEventually(() => expect(inbox.ofType('TALK')).toHaveLength(1));
    });

    it('malformed JSON: invalid-json', async () => {
      const { room, owner, inbox } = await roomWithWatcher();
      const { client } = await chat.member(room.id);
      const before = (await historyOf(owner.api, room.id)).length;
      await expectRefused(
        client.send('/chat/pub/send', `{"roomId": "${room.id}", "content": `),
        'invalid-json',
      );
      await expectNothingStoredAndStillServing(room.id, owner, inbox, before);
    });

    it('wrong types and missing fields: invalid-payload naming the field', async () => {
      const { room, owner, inbox } = await roomWithWatcher();
      const before = (await historyOf(owner.api, room.id)).length;
      const bodies: [unknown, string][] = [
        [{ roomId: room.id, clientMessageId: 7, content: 'x' }, 'clientMessageId'],
        [{ roomId: room.id, clientMessageId: 'ok', content: 42 }, 'content'],
        [{ roomId: room.id, content: 'x' }, 'clientMessageId'],
        [{ roomId: 'nope', clientMessageId: 'ok', content: 'x' }, 'roomId'],
        [{ roomId: room.id, clientMessageId: 'ok', content: 'x', extra: 1 }, 'extra'],
        [[1, 2], 'body'],
        // Keys class-transformer would drop without a word: refused like any unknown field.
        [
          `{"roomId":"${room.id}","clientMessageId":"ok","content":"x","__proto__":{"admin":true}}`,
          '__proto__',
        ],
        [`{"roomId":"${room.id}","clientMessageId":"ok","content":"x","constructor":1}`, 'constructor'],
      ];
      for (const [body, field] of bodies) {
        const { client } = await chat.member(room.id);
        const error = await expectRefused(client.send('/chat/pub/send', body), 'invalid-payload');
        expect(`${error.frame.headers.message} ${error.frame.body}`).toContain(field);
      }
      // Each member above added an ENTER line; no TALK line got in.
      expect((await historyOf(owner.api, room.id)).filter((line) => line.type === 'TALK')).toHaveLength(0);
      await expectNothingStoredAndStillServing(room.id, owner, inbox, before + bodies.length);
    });

    it('non-member: not-a-member for send and subscribe', async () => {
      const { room, owner, inbox } = await roomWithWatcher();
      const before = (await historyOf(owner.api, room.id)).length;
      const stranger = await chat.connect(await chat.user());
      await expectRefused(
        stranger.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'x', content: 'let me in' }),
        'not-a-member',
      );
      const peeker = await chat.connect(await chat.user());
      await expectRefused(peeker.subscribe(`/chat/topic/room/${room.id}`), 'not-a-member');
      const typist = await chat.connect(await chat.user());
      await expectRefused(typist.send('/chat/pub/typing', { roomId: room.id }), 'not-a-member');
      await expectNothingStoredAndStillServing(room.id, owner, inbox, before);
    });

    it('unknown room: unknown-room for join, send and subscribe', async () => {
      const user = await chat.user();
      await expectRefused(
        (await chat.connect(user)).send('/chat/pub/join', { roomId: UNKNOWN_ROOM }),
        'unknown-room',
      );
      await expectRefused(
        (await chat.connect(user)).send('/chat/pub/send', {
          roomId: UNKNOWN_ROOM,
          clientMessageId: 'x',
          content: 'x',
        }),
        'unknown-room',
      );
      await expectRefused(
        (await chat.connect(user)).subscribe(`/chat/topic/room/${UNKNOWN_ROOM}`),
        'unknown-room',
      );
      expect((await user.api.get('/v1/api/rooms/joined')).body).toEqual([]);
    });

    it('sending too fast: rate-limited until the window refills', async () => {
      const { room, owner, inbox } = await roomWithWatcher();
      const { user, client } = await chat.member(room.id);
      for (let index = 0; index < 5; index++) {
        await client.send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: `burst-${index}`,
          content: `line ${index}`,
        });
      }
      const error = await expectRefused(
        client.send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: 'burst-5',
          content: 'one too many',
        }),
        'rate-limited',
      );
      expect(error.frame.headers.message).toContain('5');
      // 5 per 10 s come back one every 2 s: the ERROR says so.
      expect(error.frame.headers['retry-after']).toBe('2');
      const before = (await historyOf(owner.api, room.id)).length;
      await expectNothingStoredAndStillServing(room.id, owner, inbox, before);

      clock.advance(2_000); // refills one of five per 10 s: one more line, not two
      const again = await chat.connect(user);
      await again.send('/chat/pub/send', {
        roomId: room.id,
        clientMessageId: 'refilled',
        content: 'after a pause',
      });
      await expectRefused(
        again.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'refilled-2', content: 'too soon' }),
        'rate-limited',
      );
      await expectEventually(() =>
        expect(inbox.bodies().map((line) => line.clientMessageId)).toContain('refilled'),
      );
    });

    it('a resend of a stored line is answered with it while the sender is rate-limited: it adds nothing', async () => {
      const { room, owner } = await roomWithWatcher();
      const { client } = await chat.member(room.id);
      for (let index = 0; index < 5; index++)
        await client.send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: `full-${index}`,
          content: `line ${index}`,
        });
      // The RECEIPT of the last line was lost, say: the client resends it at once, at its limit.
      await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'full-4', content: 'line 4' });
      const lines = (await historyOf(owner.api, room.id)).filter((line) => line.clientMessageId === 'full-4');
      expect(lines).toHaveLength(1);
      // A new line is still refused.
      await expectRefused(
        client.send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: 'full-5',
          content: 'one too many',
        }),
        'rate-limited',
      );
      clock.advance(10_000);
    });

    it('a bad last-message-id header: invalid-payload', async () => {
      const { room, owner } = await roomWithWatcher();
      await expectRefused(
        (await chat.connect(owner)).subscribe(`/chat/topic/room/${room.id}`, {
          'last-message-id': 'not-an-id',
        }),
        'invalid-payload',
      );
    });
  });

  it('relays TYPING without storing it, at most once per throttle interval', async () => {
    const { room, owner, inbox } = await roomWithWatcher();
    const { user, client } = await chat.member(room.id);
    await client.send('/chat/pub/typing', { roomId: room.id });
    await client.send('/chat/pub/typing', { roomId: room.id });
    clock.advance(1000);
    await client.send('/chat/pub/typing', { roomId: room.id });
    await client.send('/chat/pub/send', {
      roomId: room.id,
      clientMessageId: 'after-typing',
      content: 'done typing',
    });
    await expectEventually(() => expect(inbox.ofType('TALK')).toHaveLength(1));
    const typing = inbox.ofType('TYPING');
    expect(typing).toHaveLength(2);
    expect(typing[0]).toMatchObject({
      type: 'TYPING',
      roomId: room.id,
      messageId: null,
      sender: { uid: user.uid },
    });
    expect((await historyOf(owner.api, room.id)).map((line) => line.type)).not.toContain('TYPING');
  });

  it('saves the read position and tells the room (read receipts)', async () => {
    const { room, owner, watcher, inbox } = await roomWithWatcher();
    const { user, client } = await chat.member(room.id);
    await watcher.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'r-1', content: 'read me' });
    await expectEventually(() => expect(inbox.ofType('TALK')).toHaveLength(1));
    const [line] = inbox.ofType('TALK');
    expect((await user.api.get<RoomSummaryView[]>('/v1/api/rooms/joined')).body[0].unreadCount).toBe(1);

    await client.send('/chat/pub/read', { roomId: room.id, messageId: line.messageId });
    await expectEventually(() =>
      expect(inbox.ofType('READ')).toEqual([
        expect.objectContaining({
          sender: expect.objectContaining({ uid: user.uid }),
          messageIdRead: line.messageId,
        }),
      ]),
    );
    expect((await user.api.get<RoomSummaryView[]>('/v1/api/rooms/joined')).body[0].unreadCount).toBe(0);
    expect(
      (await owner.api.get<RoomView>(`/v1/api/rooms/${room.id}`)).body.users[user.uid].lastReadMessageId,
    ).toBe(line.messageId);
  });

  it('sends over HTTP with the same rules (debugging endpoint)', async () => {
    const { room, owner, inbox } = await roomWithWatcher();
    const sent = await owner.api.post<{ messageId: string }>('/v1/api/chat/api/v1/message', {
      roomId: room.id,
      clientMessageId: 'http-1',
      content: 'via http',
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ type: 'TALK', content: 'via http', clientMessageId: 'http-1' });
    await expectEventually(() =>
      expect(inbox.ofType('TALK').map((line) => line.messageId)).toEqual([sent.body.messageId]),
    );
    const tooLong = await owner.api.post('/v1/api/chat/api/v1/message', {
      roomId: room.id,
      clientMessageId: 'http-2',
      content: 'y'.repeat(2001),
    });
    expect(tooLong).toMatchObject({ status: 400, body: { code: 'content-too-long' } });
    const stranger = await chat.user();
    expect(
      (
        await stranger.api.post('/v1/api/chat/api/v1/message', {
          roomId: room.id,
          clientMessageId: 'x',
          content: 'x',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await owner.api.post('/v1/api/chat/api/v1/message', {
          roomId: UNKNOWN_ROOM,
          clientMessageId: 'x',
          content: 'x',
        })
      ).status,
    ).toBe(404);
    expect((await owner.api.post('/v1/api/chat/api/v1/message', '{not json')).status).toBe(400);
  });
});
