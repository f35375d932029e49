import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@playlist-chat/platform';
import { TestChatServer, type TestUser } from './support/chat-server';
import { historyOf } from './support/http';
import {
  fieldsOf,
  type ChatMessage,
  type ErrorBody,
  type MessagePageView,
  type ReentryView,
} from './support/shapes';

describe('history, search and re-entry over REST', () => {
  const clock = new ManualClock('2026-05-01T10:00:00.000Z');
  let chat: TestChatServer;
  let owner: TestUser;
  let room: { id: string };
  const lines = Array.from(
    { length: 30 },
    (_, index) => `line ${index} ${index % 5 === 0 ? 'jazz' : 'blues'}`,
  );
  const ids: string[] = [];

  beforeAll(async () => {
    chat = await TestChatServer.start({ CHAT_SEND_RATE_LIMIT: '1000' }, { clock });
    owner = await chat.user();
    room = await chat.createRoom(owner);
    for (const [index, content] of lines.entries()) {
      clock.advance(1000);
      const sent = await owner.api.post<ChatMessage>('/v1/api/chat/api/v1/message', {
        roomId: room.id,
        clientMessageId: `h-${index}`,
        content,
      });
      ids.push(sent.body.messageId!);
    }
  });
  afterAll(() => chat.close());

  it('pages newest first, 12 by default, with a cursor that covers everything once', async () => {
    const first = await owner.api.get<MessagePageView>(`/v1/api/chat/history?roomId=${room.id}`);
    expect(first.status).toBe(200);
    expect(first.body.messages.map((line) => line.content)).toEqual(lines.slice(-12).reverse());
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: MessagePageView } = await owner.api.get<MessagePageView>(
        `/v1/api/chat/history?roomId=${room.id}&size=20${cursor ? `&before=${cursor}` : ''}`,
      );
      expect(page.body.messages.length).toBeLessThanOrEqual(20);
      seen.push(...page.body.messages.map((line) => line.messageId!));
      cursor = page.body.nextCursor;
    } while (cursor);
    const talkIds = [...ids].reverse();
    expect(seen.filter((id) => ids.includes(id))).toEqual(talkIds);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('refuses pages over 20 and bad parameters with a 400 naming the field, not a silent cut', async () => {
    const cases: [string, string][] = [
      [`roomId=${room.id}&size=21`, 'size'],
      [`roomId=${room.id}&size=0`, 'size'],
      [`roomId=${room.id}&size=ten`, 'size'],
      // Only decimal digits are a page size: Number() would read these as 16, 10, 2 and 0.
      [`roomId=${room.id}&size=0x10`, 'size'],
      [`roomId=${room.id}&size=1e1`, 'size'],
      [`roomId=${room.id}&size=%202`, 'size'],
      [`roomId=${room.id}&size=`, 'size'],
      [`roomId=${room.id}&size=2&size=3`, 'size'],
      [`roomId=${room.id}&before=xyz`, 'before'],
      ['roomId=not-a-uuid', 'roomId'],
      ['', 'roomId'],
      [`roomId=${room.id}&extra=1`, 'extra'],
    ];
    for (const [query, field] of cases) {
      const response = await owner.api.get(`/v1/api/chat/history?${query}`);
      expect(response.status, query).toBe(400);
      expect(fieldsOf(response.body), query).toContain(field);
    }
  });

  it('names one reason for a page size that is not a whole number', async () => {
    for (const size of ['ten', '0x10', '1.5', '']) {
      const response = await owner.api.get<ErrorBody>(`/v1/api/chat/history?roomId=${room.id}&size=${size}`);
      expect(response.status, size).toBe(400);
      expect(response.body.errors, size).toEqual([
        { field: 'size', reason: 'size must be a whole number from 1, in decimal digits' },
      ]);
    }
    const page = await owner.api.get<MessagePageView>(`/v1/api/chat/history?roomId=${room.id}&size=012`);
    expect(page.status).toBe(200);
    expect(page.body.messages).toHaveLength(12);
  });

  it('is for members only', async () => {
    const stranger = await chat.user();
    for (const path of [
      `/v1/api/chat/history?roomId=${room.id}`,
      `/v1/api/chat/search?roomId=${room.id}&q=jazz`,
      `/v1/api/chat/api/v1/history/${room.id}`,
      `/v1/api/chat/api/v1/rooms/joined/${room.id}`,
    ]) {
      const response = await stranger.api.get<ErrorBody>(path);
      expect(response.status, path).toBe(403);
      expect(response.body.code).toBe('not-a-member');
    }
    expect(
      (await owner.api.get('/v1/api/chat/history?roomId=00000000-0000-4000-8000-000000000000')).status,
    ).toBe(404);
  });

  it('finds whole words, newest first, paged', async () => {
    const jazz = lines.filter((line) => line.includes('jazz')).reverse();
    const first = await owner.api.get<MessagePageView>(`/v1/api/chat/search?roomId=${room.id}&q=jazz&size=4`);
    expect(first.body.messages.map((line) => line.content)).toEqual(jazz.slice(0, 4));
    const rest = await owner.api.get<MessagePageView>(
      `/v1/api/chat/search?roomId=${room.id}&q=jazz&size=4&before=${first.body.nextCursor}`,
    );
    expect(rest.body.messages.map((line) => line.content)).toEqual(jazz.slice(4));
    const prefix = await owner.api.get<MessagePageView>(
      `/v1/api/chat/search?roomId=${room.id}&q=${encodeURIComponent('jaz*')}&size=20`,
    );
    expect(prefix.body.messages).toHaveLength(jazz.length);
    for (const hostile of ['"', 'NEAR(', '-', 'AND', '*']) {
      const response = await owner.api.get(
        `/v1/api/chat/search?roomId=${room.id}&q=${encodeURIComponent(hostile)}`,
      );
      expect(response.status, hostile).toBe(200);
    }
    expect((await owner.api.get(`/v1/api/chat/search?roomId=${room.id}&q=`)).status).toBe(400);
    expect((await owner.api.get(`/v1/api/chat/search?roomId=${room.id}&q=jazz&size=21`)).status).toBe(400);
    // A 17th word is refused, not dropped: dropping it would widen what the query finds.
    const words = Array.from({ length: 16 }, (_, index) => `w${index}`);
    const sixteen = await owner.api.get(`/v1/api/chat/search?roomId=${room.id}&q=${words.join('+')}`);
    expect(sixteen.status).toBe(200);
    const seventeen = await owner.api.get<ErrorBody>(
      `/v1/api/chat/search?roomId=${room.id}&q=${[...words, 'jazz'].join('+')}`,
    );
    expect(seventeen.status).toBe(400);
    expect(seventeen.body.errors).toEqual([
      { field: 'q', reason: 'q must not have more than 16 different words' },
    ]);
  });

  it('returns the whole history oldest first', async () => {
    const response = await owner.api.get<{ truncated: boolean; messages: ChatMessage[] }>(
      `/v1/api/chat/api/v1/history/${room.id}`,
    );
    expect(response.body.truncated).toBe(false);
    const talk = response.body.messages.filter((line) => line.type === 'TALK');
    expect(talk.map((line) => line.messageId)).toEqual(ids);
    expect(response.body.messages[0].type).toBe('ENTER');
    expect(await historyOf(owner.api, room.id)).toEqual(response.body.messages);
  });

  it('re-entry returns what came after my last read line and the track to play now', async () => {
    const member = await chat.user();
    const { client } = await chat.member(room.id, member);
    await client.send('/chat/pub/send', {
      roomId: room.id,
      clientMessageId: 'm-read',
      content: 'I read up to here',
    });
    const mine = (await member.api.get<MessagePageView>(`/v1/api/chat/history?roomId=${room.id}&size=1`)).body
      .messages[0];
    await member.api.put('/v1/api/rooms/leave', { roomId: room.id, lastReadMessageId: mine.messageId });
    clock.advance(5000);
    await owner.api.post('/v1/api/chat/api/v1/message', {
      roomId: room.id,
      clientMessageId: 'while-away-1',
      content: 'first while away',
    });
    await owner.api.post('/v1/api/chat/api/v1/message', {
      roomId: room.id,
      clientMessageId: 'while-away-2',
      content: 'second while away',
    });

    const back = await member.api.get<ReentryView>(`/v1/api/chat/api/v1/rooms/joined/${room.id}`);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ roomId: room.id, lastReadMessageId: mine.messageId, hasMore: false });
    expect(back.body.messages.map((line) => line.content)).toEqual(['first while away', 'second while away']);
    // 30 s of lines + 5 s: the room opened 35 s + the join's 0 s ago; the first track is 9:22 long.
    expect(back.body.nowPlaying).toMatchObject({ trackIndex: 0, offsetSeconds: 35 });
  });
});

describe('the whole history past CHAT_HISTORY_EXPORT_MAX', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start({ CHAT_HISTORY_EXPORT_MAX: '10', CHAT_SEND_RATE_LIMIT: '1000' });
  });
  afterAll(() => chat.close());

  it('reads on with after=<the last id> until it is not truncated: every line once, oldest first', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const sent: string[] = [];
    for (let index = 0; index < 25; index++) {
      const line = await owner.api.post<ChatMessage>('/v1/api/chat/api/v1/message', {
        roomId: room.id,
        clientMessageId: `x-${index}`,
        content: `line ${index}`,
      });
      sent.push(line.body.messageId!);
    }

    const seen: string[] = [];
    const truncations: boolean[] = [];
    let after = '';
    for (;;) {
      const part = await owner.api.get<{ truncated: boolean; messages: ChatMessage[] }>(
        `/v1/api/chat/api/v1/history/${room.id}${after ? `?after=${after}` : ''}`,
      );
      expect(part.status).toBe(200);
      seen.push(...part.body.messages.map((line) => line.messageId!));
      truncations.push(part.body.truncated);
      if (!part.body.truncated) break;
      after = seen.at(-1)!;
    }

    expect(truncations).toEqual([true, true, false]);
    expect(seen.slice(1)).toEqual(sent); // the owner's ENTER first
    const bad = await owner.api.get<ErrorBody>(`/v1/api/chat/api/v1/history/${room.id}?after=nope`);
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['after']);
  });
});

describe('search over REST: Chinese, Japanese and Korean, NFKC', () => {
  let chat: TestChatServer;
  let owner: TestUser;
  beforeAll(async () => {
    chat = await TestChatServer.start({ CHAT_SEND_RATE_LIMIT: '1000', CHAT_SEARCH_RATE_LIMIT: '1000' });
    owner = await chat.user();
  });
  afterAll(() => chat.close());

  it('finds words inside Chinese, Japanese and Korean lines and NFKC forms, and shows the lines as sent', async () => {
    const other = await chat.createRoom(owner);
    const sent = [
      '我爱音乐',
      '東京タワーに行きました',
      '음악을 좋아해요'.normalize('NFD'),
      'ﬁne tuning',
      'tokyo tower',
    ];
    for (const [index, content] of sent.entries()) {
      await owner.api.post('/v1/api/chat/api/v1/message', {
        roomId: other.id,
        clientMessageId: `cjk-${index}`,
        content,
      });
    }
    const search = async (q: string): Promise<string[]> => {
      const response = await owner.api.get<MessagePageView>(
        `/v1/api/chat/search?roomId=${other.id}&q=${encodeURIComponent(q)}`,
      );
      expect(response.status, q).toBe(200);
      return response.body.messages.map((line) => line.content);
    };
    expect(await search('音乐')).toEqual(['我爱音乐']);
    expect(await search('東京タワー')).toEqual(['東京タワーに行きました']);
    expect(await search('東京*')).toEqual(['東京タワーに行きました']);
    expect(await search('음악'.normalize('NFC'))).toEqual([sent[2]]);
    expect(await search('fine')).toEqual(['ﬁne tuning']);
    expect(await search('東京 tower')).toEqual([]);
    expect(await search('tow*')).toEqual(['tokyo tower']);
    // Sixteen CJK words are sixteen words, however many characters they hold.
    const sixteen = Array.from({ length: 16 }, (_, index) => `音乐${index}`).join(' ');
    expect(
      (await owner.api.get(`/v1/api/chat/search?roomId=${other.id}&q=${encodeURIComponent(sixteen)}`)).status,
    ).toBe(200);
    const history = await owner.api.get<MessagePageView>(`/v1/api/chat/history?roomId=${other.id}`);
    expect(history.body.messages.filter((line) => line.type === 'TALK').map((line) => line.content)).toEqual(
      [...sent].reverse(),
    );
  });
});
