import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer, type TestUser } from './support/chat-server';
import { historyOf } from './support/http';
import { samplePlaylist } from './support/playlist';
import {
  fieldsOf,
  type ErrorBody,
  type ReentryView,
  type RoomSummaryView,
  type RoomView,
} from './support/shapes';
import { StompErrorFrame } from './support/stomp-client';

/** Per-user and per-member rates, page sizes and snapshot sizes: what one account can make the server do. */
describe('limits on what one user can make the chat server do', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start({
      CHAT_READ_RATE_LIMIT: '3',
      CHAT_READ_RATE_WINDOW_SECONDS: '60',
      CHAT_JOIN_RATE_LIMIT: '3',
      CHAT_JOIN_RATE_WINDOW_SECONDS: '60',
      CHAT_CREATE_RATE_LIMIT: '3',
      CHAT_CREATE_RATE_WINDOW_SECONDS: '60',
      CHAT_SEARCH_RATE_LIMIT: '3',
      CHAT_SEARCH_RATE_WINDOW_SECONDS: '60',
      CHAT_REPLAY_RATE_LIMIT: '3',
      CHAT_REPLAY_RATE_WINDOW_SECONDS: '60',
      CHAT_MAX_ROOMS_PER_USER: '10',
      CHAT_MAX_PLAYLIST_BYTES: '4096',
    });
  });
  afterAll(() => chat.close());

  it('passes at most CHAT_READ_RATE_LIMIT READs per member and room to the room at once', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const watcher = await (await chat.connect(owner)).subscribe(`/chat/topic/room/${room.id}`);
    const { client } = await chat.member(room.id);
    const [line] = await historyOf(owner.api, room.id);
    for (let i = 0; i < 20; i++)
      await client.send('/chat/pub/read', { roomId: room.id, messageId: line.messageId });
    await client.send('/chat/pub/typing', { roomId: room.id }); // a marker after the READs
    await expectEventually(() => expect(watcher.ofType('TYPING')).toHaveLength(1));
    expect(watcher.ofType('READ')).toHaveLength(3);
  });

  it('saves the read position of every READ, also past CHAT_READ_RATE_LIMIT', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const { client, user } = await chat.member(room.id);
    const [first] = await historyOf(owner.api, room.id);
    for (let i = 0; i < 5; i++)
      await client.send('/chat/pub/read', { roomId: room.id, messageId: first.messageId });
    await owner.api.post('/v1/api/chat/api/v1/message', {
      roomId: room.id,
      clientMessageId: 'last',
      content: 'last',
    });
    const last = (await historyOf(owner.api, room.id)).at(-1)!;

    // The READ that says "I read it all" comes past the limit: the member's position is still saved.
    await client.send('/chat/pub/read', { roomId: room.id, messageId: last.messageId });

    const back = await user.api.get<ReentryView>(`/v1/api/chat/api/v1/rooms/joined/${room.id}`);
    expect(back.body).toMatchObject({ lastReadMessageId: last.messageId, messages: [] });
  });

  it('refuses joins beyond CHAT_JOIN_RATE_LIMIT with rate-limited', async () => {
    const user = await chat.user();
    const client = await chat.connect(user);
    const rooms = [...(await roomsOf(await chat.user(), 2)), ...(await roomsOf(await chat.user(), 2))];
    for (const room of rooms.slice(0, 3)) await client.send('/chat/pub/join', { roomId: room.id });
    const refused = await client.send('/chat/pub/join', { roomId: rooms[3].id }).catch((e: unknown) => e);
    expect((refused as StompErrorFrame).code).toBe('rate-limited');
    expectOneEvery20s((refused as StompErrorFrame).frame.headers['retry-after']);
  });

  it('does not count joining a room one is in (a reconnect) against CHAT_JOIN_RATE_LIMIT, nor refuse it at the limit', async () => {
    const user = await chat.user();
    const rooms = [...(await roomsOf(await chat.user(), 2)), ...(await roomsOf(await chat.user(), 2))];
    const client = await chat.connect(user);
    await client.send('/chat/pub/join', { roomId: rooms[0].id });
    // Every page load and reconnect enters again: none of these stores anything.
    for (let i = 0; i < 5; i++) await client.send('/chat/pub/join', { roomId: rooms[0].id });
    await client.send('/chat/pub/join', { roomId: rooms[1].id });
    await client.send('/chat/pub/join', { roomId: rooms[2].id });
    // The limit (3) is spent by new joins now: entering a room one is in still works, a new one not.
    await client.send('/chat/pub/join', { roomId: rooms[1].id });
    const refused = await client.send('/chat/pub/join', { roomId: rooms[3].id }).catch((e: unknown) => e);
    expect((refused as StompErrorFrame).code).toBe('rate-limited');
  });

  it('refuses replays beyond CHAT_REPLAY_RATE_LIMIT with rate-limited; a SUBSCRIBE without one, or another user, is not held back', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const [reader, other] = [await chat.user(), await chat.user()];
    const { client } = await chat.member(room.id, reader);
    const topic = `/chat/topic/room/${room.id}`;
    const entered = (await historyOf(owner.api, room.id))[0].messageId!;
    // Each replay reads the room back from `entered`: three in a row, each unsubscribed at once.
    for (let round = 0; round < 3; round++) {
      const inbox = await client.subscribe(topic, { 'last-message-id': entered });
      expect(inbox.ofType('ENTER').map((line) => line.sender.uid)).toEqual([reader.uid]);
      inbox.subscription.unsubscribe();
    }
    const refused = await client.subscribe(topic, { 'last-message-id': entered }).catch((e: unknown) => e);
    expect((refused as StompErrorFrame).code).toBe('rate-limited');

    const again = await chat.connect(reader);
    await again.subscribe(topic); // no replay asked: not counted
    const otherClient = (await chat.member(room.id, other)).client;
    await otherClient.subscribe(topic, { 'last-message-id': entered });
  });

  it('refuses room creation beyond CHAT_CREATE_RATE_LIMIT with 429, but not for the playlist service', async () => {
    const owner = await chat.user();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await create(owner));
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 429]);
    // 3 per 60 s come back one every 20 s: a client is told to wait that long, not guess.
    expectOneEvery20s(answers[3].headers.get('retry-after'));
    const service = await chat.user({ scopes: ['rooms:create'] });
    for (let i = 0; i < 4; i++) expect((await create(service, (await chat.user()).uid)).status).toBe(201);
  });

  it('does not count a retry of create that opened nothing against CHAT_CREATE_RATE_LIMIT', async () => {
    const owner = await chat.user();
    const playlist = samplePlaylist();
    const statuses = [];
    // The playlist service is told it may retry: asking again answers the live room, and opens nothing.
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await owner.api.post('/v1/api/rooms/create', { uid: owner.uid, userName: 'Owner', playlist }))
          .status,
      );
    expect(statuses).toEqual([201, 200, 200, 200, 200, 200]);
    // Two of the three rooms a minute are still there to open.
    expect((await create(owner)).status).toBe(201);
    expect((await create(owner)).status).toBe(201);
    expect((await create(owner)).status).toBe(429);
    // With the limit spent, a retry for the live room still gets it: it opens nothing.
    const retry = await owner.api.post('/v1/api/rooms/create', {
      uid: owner.uid,
      userName: 'Owner',
      playlist,
    });
    expect(retry.status).toBe(200);
  });

  it('refuses a playlist snapshot over CHAT_MAX_PLAYLIST_BYTES with 400 naming playlist', async () => {
    const owner = await chat.user();
    const big = samplePlaylist();
    big.musics = Array.from({ length: 60 }, (_, i) => ({
      ...big.musics[0],
      title: `Track ${i} ${'x'.repeat(40)}`,
    }));
    const response = await owner.api.post('/v1/api/rooms/create', {
      uid: owner.uid,
      userName: 'Big',
      playlist: big,
    });
    expect(response.status).toBe(400);
    expect(fieldsOf(response.body)).toEqual(['playlist']);
  });

  it('refuses searches beyond CHAT_SEARCH_RATE_LIMIT with 429', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const answers = [];
    for (let i = 0; i < 4; i++)
      answers.push(await owner.api.get(`/v1/api/chat/search?roomId=${room.id}&q=hello`));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expectOneEvery20s(answers[3].headers.get('retry-after'));
    expect(answers[2].headers.get('retry-after')).toBeNull();
  });

  it('pages the live-room list: default 20, a cursor in X-Next-Cursor, no room twice', async () => {
    const viewer = await chat.user();
    await roomsOf(await chat.user(), 3);
    await roomsOf(await chat.user(), 3);
    await roomsOf(await chat.user(), 3);
    await roomsOf(await chat.user(), 3);
    await roomsOf(await chat.user(), 3);
    await roomsOf(await chat.user(), 3);
    await roomsOf(await chat.user(), 3);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await fetch(
        `${chat.url}/v1/api/rooms/unjoined${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
        { headers: { authorization: `Bearer ${viewer.token}` } },
      );
      const rooms = (await response.json()) as RoomSummaryView[];
      expect(rooms.length).toBeLessThanOrEqual(20);
      seen.push(...rooms.map((room) => room.id));
      cursor = response.headers.get('x-next-cursor');
      pages += 1;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    const all = await viewer.api.get<RoomSummaryView[]>('/v1/api/rooms/unjoined?size=100');
    expect(seen).toEqual(all.body.map((room) => room.id));
  });

  it('refuses a page size over CHAT_ROOM_PAGE_MAX and a made-up cursor with 400 naming them', async () => {
    const viewer = await chat.user();
    const tooBig = await viewer.api.get<ErrorBody>('/v1/api/rooms/unjoined?size=101');
    expect(tooBig.status).toBe(400);
    expect(fieldsOf(tooBig.body)).toEqual(['size']);
    for (const size of ['0x10', '1e1', '%2010', '']) {
      const unwritten = await viewer.api.get<ErrorBody>(`/v1/api/rooms/unjoined?size=${size}`);
      expect(unwritten.status, size).toBe(400);
      expect(unwritten.body.errors, size).toEqual([
        { field: 'size', reason: 'size must be a whole number from 1, in decimal digits' },
      ]);
    }
    const forged = await viewer.api.get<ErrorBody>('/v1/api/rooms/unjoined?cursor=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(400);
    expect(fieldsOf(forged.body)).toEqual(['cursor']);
  });

  /**
   * A Retry-After in whole seconds, for a limit of 3 per 60 s (one back every 20 s): 20, less
   * what the bucket refilled while the test ran (a slow machine may take seconds).
   */
  function expectOneEvery20s(retryAfter: string | null | undefined): void {
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(15);
    expect(Number(retryAfter)).toBeLessThanOrEqual(20);
  }

  async function create(caller: TestUser, uid = caller.uid) {
    return caller.api.post('/v1/api/rooms/create', { uid, userName: 'Owner', playlist: samplePlaylist() });
  }

  /** `count` rooms opened by `owner` (within the creation limit of 3). */
  async function roomsOf(owner: TestUser, count: number) {
    const rooms = [];
    for (let i = 0; i < count; i++) rooms.push(await chat.createRoom(owner));
    return rooms;
  }
});

describe('READ receipts past CHAT_READ_RATE_LIMIT', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start({ CHAT_READ_RATE_LIMIT: '2', CHAT_READ_RATE_WINDOW_SECONDS: '1' });
  });
  afterAll(() => chat.close());

  it('reach the room later, once, with the newest position, instead of being dropped', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const watcher = await (await chat.connect(owner)).subscribe(`/chat/topic/room/${room.id}`);
    const { client, user } = await chat.member(room.id);
    for (let i = 0; i < 6; i++)
      await owner.api.post('/v1/api/chat/api/v1/message', {
        roomId: room.id,
        clientMessageId: `l${i}`,
        content: `line ${i}`,
      });
    const ids = (await historyOf(owner.api, room.id)).map((line) => line.messageId);

    // Six READs, reading on line by line, at once: two go now, the rest wait as one.
    for (const messageId of ids.slice(-6))
      await client.send('/chat/pub/read', { roomId: room.id, messageId });

    const readsBy = () => watcher.ofType('READ').filter((read) => read.sender.uid === user.uid);
    await expectEventually(() => expect(readsBy().at(-1)?.messageIdRead).toBe(ids.at(-1)));
    expect(readsBy()).toHaveLength(3);
  });
});

describe('room-creation bodies as large as CHAT_MAX_PLAYLIST_BYTES allows', () => {
  /** A create body whose playlist is about `bytes` of JSON (tracks of 600 ASCII characters). */
  function createBody(owner: TestUser, bytes: number) {
    const playlist = samplePlaylist();
    const track = { ...playlist.musics[0], title: 't'.repeat(300), artist: 'a'.repeat(300) };
    const trackBytes = JSON.stringify(track).length + 1;
    playlist.musics = Array.from({ length: Math.ceil(bytes / trackBytes) }, () => track);
    return { uid: owner.uid, userName: owner.nickName, playlist };
  }

  it('takes a playlist of 200 KB once CHAT_MAX_PLAYLIST_BYTES is raised to 300,000', async () => {
    const chat = await TestChatServer.start({ CHAT_MAX_PLAYLIST_BYTES: '300000' });
    try {
      const owner = await chat.user();
      const body = createBody(owner, 200_000);
      expect(JSON.stringify(body).length).toBeGreaterThan(200_000);
      const created = await owner.api.post<RoomView>('/v1/api/rooms/create', body);
      expect(created.status).toBe(201);
      expect(created.body.playlist.musics).toHaveLength(body.playlist.musics.length);
    } finally {
      await chat.close();
    }
  });

  it('by default: a playlist over 64 KiB is a 400 naming playlist, a body over the limit a 413 naming it', async () => {
    const chat = await TestChatServer.start();
    try {
      const owner = await chat.user();
      // Over CHAT_MAX_PLAYLIST_BYTES (65,536) and over Express's default 100 KiB, within the limit.
      const overPlaylist = await owner.api.post<ErrorBody>(
        '/v1/api/rooms/create',
        createBody(owner, 110_000),
      );
      expect(overPlaylist.status).toBe(400);
      expect(fieldsOf(overPlaylist.body)).toEqual(['playlist']);

      // 64 KiB + 64 KiB: the playlist limit with room for the rest of the body.
      const overBody = await owner.api.post<ErrorBody>('/v1/api/rooms/create', createBody(owner, 140_000));
      expect(overBody.status).toBe(413);
      expect(overBody.body).toMatchObject({
        code: 'payload-too-large',
        message: 'request body is larger than 131072 bytes',
      });
    } finally {
      await chat.close();
    }
  });
});
