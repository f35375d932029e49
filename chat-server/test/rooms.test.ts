import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@playlist-chat/platform';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';
import { samplePlaylist } from './support/playlist';
import {
  fieldsOf,
  type ErrorBody,
  type ExitResultView,
  type LeaveResultView,
  type RoomSummaryView,
  type RoomView,
  type UserEvent,
} from './support/shapes';

describe('rooms over REST', () => {
  const clock = new ManualClock('2026-03-01T12:00:00.000Z');
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start({}, { clock });
  });
  afterAll(() => chat.close());

  it('opens a room with a frozen playlist snapshot and the owner as first member', async () => {
    const owner = await chat.user();
    const playlist = samplePlaylist();
    const created = await owner.api.post<RoomView>('/v1/api/rooms/create', {
      uid: owner.uid,
      userName: 'Owner Ann',
      playlist,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      roomName: playlist.name,
      ownerUid: owner.uid,
      userCount: 1,
      playlist,
      thumbnail: playlist.musics[0].thumbnail,
      createdAt: clock.now().toISOString(),
    });
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.users[owner.uid]).toMatchObject({ uid: owner.uid, nickName: 'Owner Ann' });

    // The playlist service edits the playlist and retries: the live room and its snapshot stay as they were.
    const edited = { ...playlist, name: 'Renamed', musics: [playlist.musics[2]] };
    const again = await owner.api.post<RoomView>('/v1/api/rooms/create', {
      uid: owner.uid,
      userName: 'Owner Ann',
      playlist: edited,
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);
    expect(again.body.playlist).toEqual(playlist);
    expect(again.body.userCount).toBe(1);
  });

  it('answers a retry of create after the owner left for good with the room as it is, joining nobody and evicting nothing', async () => {
    const owner = await chat.user();
    const playlist = samplePlaylist();
    const created = await chat.createRoom(owner, playlist);
    expect((await owner.api.post(`/v1/api/rooms/exit/${created.id}`)).status).toBe(200);
    // The owner is in four other rooms: one more join would exit them from the oldest of those.
    const others = [];
    for (let i = 0; i < 4; i++) {
      const room = await chat.createRoom(await chat.user());
      await chat.member(room.id, owner);
      others.push(room.id);
    }
    const again = await owner.api.post<RoomView>('/v1/api/rooms/create', {
      uid: owner.uid,
      userName: owner.nickName,
      playlist,
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.id);
    expect(again.body.userCount).toBe(0);
    const joined = await owner.api.get<RoomSummaryView[]>('/v1/api/rooms/joined');
    expect(joined.body.map((room) => room.id).sort()).toEqual([...others].sort());
  });

  it('lets only the owner open the room, unless the caller has scope rooms:create', async () => {
    const owner = await chat.user();
    const stranger = await chat.user();
    const playlist = samplePlaylist();
    const refused = await stranger.api.post<ErrorBody>('/v1/api/rooms/create', {
      uid: owner.uid,
      userName: owner.nickName,
      playlist,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    expect((await owner.api.get('/v1/api/rooms/joined')).body).toEqual([]);

    const service = await chat.user({ scopes: ['rooms:create'] });
    const created = await service.api.post<RoomView>('/v1/api/rooms/create', {
      uid: owner.uid,
      userName: owner.nickName,
      playlist,
    });
    expect(created.status).toBe(201);
    expect(created.body.ownerUid).toBe(owner.uid);
    expect(Object.keys(created.body.users)).toEqual([owner.uid]);
  });

  it('refuses a malformed playtime, wrong types and unknown fields with field and reason, creating nothing', async () => {
    const owner = await chat.user();
    const playlist = samplePlaylist();
    const cases: [unknown, string][] = [
      [
        {
          uid: owner.uid,
          userName: owner.nickName,
          playlist: { ...playlist, musics: [{ ...playlist.musics[0], playtime: '3:75' }] },
        },
        'playlist.musics.0.playtime',
      ],
      [
        {
          uid: owner.uid,
          userName: owner.nickName,
          playlist: { ...playlist, musics: [{ ...playlist.musics[0], playtime: '0:00' }] },
        },
        'playlist.musics.0.playtime',
      ],
      [
        {
          uid: owner.uid,
          userName: owner.nickName,
          playlist: {
            ...playlist,
            musics: [playlist.musics[0], { ...playlist.musics[1], playtime: 'soon' }],
          },
        },
        'playlist.musics.1.playtime',
      ],
      [{ uid: 42, userName: owner.nickName, playlist }, 'uid'],
      [
        { uid: owner.uid, userName: owner.nickName, playlist: { ...playlist, musics: 'many' } },
        'playlist.musics',
      ],
      [{ uid: owner.uid, userName: owner.nickName }, 'playlist'],
      [{ uid: owner.uid, userName: owner.nickName, playlist, admin: true }, 'admin'],
      [
        {
          uid: owner.uid,
          userName: owner.nickName,
          playlist: { ...playlist, musics: [{ ...playlist.musics[0], thumbnail: 'not a url' }] },
        },
        'playlist.musics.0.thumbnail',
      ],
    ];
    for (const [body, field] of cases) {
      const response = await owner.api.post<ErrorBody>('/v1/api/rooms/create', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('invalid-payload');
      expect(fieldsOf(response.body)).toContain(field);
      expect(response.body.errors?.every((error) => error.reason.length > 0)).toBe(true);
    }
    const malformed = await owner.api.post('/v1/api/rooms/create', '{"uid": ');
    expect(malformed.status).toBe(400);
    expect((await owner.api.get('/v1/api/rooms/joined')).body).toEqual([]);
    // The server keeps serving.
    expect(
      (await owner.api.post('/v1/api/rooms/create', { uid: owner.uid, userName: owner.nickName, playlist }))
        .status,
    ).toBe(201);
  });

  it('answers one room with what plays now, on a loop from the opening time', async () => {
    const owner = await chat.user();
    const playlist = samplePlaylist({
      musics: [
        { title: 'One', artist: 'A', playtime: '1:00', thumbnail: 'https://img.example.com/1.jpg' },
        { title: 'Two', artist: 'B', playtime: '0:30', thumbnail: 'https://img.example.com/2.jpg' },
        { title: 'Long', artist: 'C', playtime: '1:00:00', thumbnail: 'https://img.example.com/3.jpg' },
      ],
    });
    const room = await chat.createRoom(owner, playlist);
    expect(room.nowPlaying).toMatchObject({ trackIndex: 0, title: 'One', offsetSeconds: 0, loop: 0 });

    const viewer = await chat.user();
    clock.advance(75_000);
    expect((await viewer.api.get<RoomView>(`/v1/api/rooms/${room.id}`)).body.nowPlaying).toMatchObject({
      trackIndex: 1,
      title: 'Two',
      offsetSeconds: 15,
      durationSeconds: 30,
    });
    clock.advance(3690_000 - 75_000 + 10_000); // one whole loop (61:30) plus 10 s
    expect((await viewer.api.get<RoomView>(`/v1/api/rooms/${room.id}`)).body.nowPlaying).toMatchObject({
      trackIndex: 0,
      offsetSeconds: 10,
      loop: 1,
    });
  });

  it('answers 404 for an unknown room and 400 for an id that is not a UUID', async () => {
    const user = await chat.user();
    const unknown = await user.api.get<ErrorBody>('/v1/api/rooms/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('unknown-room');
    const bad = await user.api.get('/v1/api/rooms/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['roomId']);
  });

  it('lists joined rooms with unread counts and live rooms to join, newest first', async () => {
    const alice = await chat.user();
    const bob = await chat.user();
    const first = await chat.createRoom(alice);
    clock.advance(1000);
    const second = await chat.createRoom(alice);
    clock.advance(1000);

    const bobJoined = (await bob.api.get('/v1/api/rooms/joined')).body;
    expect(bobJoined).toEqual([]);
    const unjoined = (await bob.api.get<RoomSummaryView[]>('/v1/api/rooms/unjoined')).body;
    const ids = unjoined.map((room) => room.id);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
    expect(unjoined.find((room) => room.id === second.id)).toMatchObject({
      roomName: second.roomName,
      thumbnail: second.thumbnail,
      userCount: 1,
    });

    const { client } = await chat.member(first.id, bob);
    await client.send('/chat/pub/send', { roomId: first.id, clientMessageId: 'b1', content: 'hi' });
    await alice.api.post('/v1/api/chat/api/v1/message', {
      roomId: first.id,
      clientMessageId: 'a1',
      content: 'hello bob',
    });
    await alice.api.post('/v1/api/chat/api/v1/message', {
      roomId: first.id,
      clientMessageId: 'a2',
      content: 'how are you',
    });

    const joined = (await bob.api.get<RoomSummaryView[]>('/v1/api/rooms/joined')).body;
    expect(joined).toHaveLength(1);
    // Sending 'hi' moved Bob's read position to it: only Alice's two later lines are unread.
    expect(joined[0]).toMatchObject({ id: first.id, userCount: 2, unreadCount: 2 });
    const aliceJoined = (await alice.api.get<RoomSummaryView[]>('/v1/api/rooms/joined')).body;
    expect(aliceJoined.map((room) => room.id)).toEqual([second.id, first.id]);
    expect(
      (await bob.api.get<RoomSummaryView[]>('/v1/api/rooms/unjoined')).body.map((room) => room.id),
    ).not.toContain(first.id);
  });

  it('keeps membership on leave and saves the read position; exit removes the room for good', async () => {
    const owner = await chat.user();
    const member = await chat.user();
    const room = await chat.createRoom(owner);
    const { client } = await chat.member(room.id, member);
    const watcher = await chat.connect(owner);
    const inbox = await watcher.subscribe(`/chat/topic/room/${room.id}`);
    await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'm1', content: 'one' });
    const sent = await owner.api.post<{ messageId: string }>('/v1/api/chat/api/v1/message', {
      roomId: room.id,
      clientMessageId: 'o1',
      content: 'two',
    });

    const left = await member.api.put<LeaveResultView>('/v1/api/rooms/leave', {
      roomId: room.id,
      lastReadMessageId: sent.body.messageId,
    });
    expect(left).toMatchObject({
      status: 200,
      body: { roomId: room.id, lastReadMessageId: sent.body.messageId },
    });
    expect((await member.api.get<RoomSummaryView[]>('/v1/api/rooms/joined')).body[0]).toMatchObject({
      id: room.id,
      unreadCount: 0,
    });
    const bad = await member.api.put('/v1/api/rooms/leave', { roomId: room.id, lastReadMessageId: 'nope' });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['lastReadMessageId']);

    const exited = await member.api.post<ExitResultView>(`/v1/api/rooms/exit/${room.id}`);
    expect(exited).toMatchObject({ status: 200, body: { roomId: room.id, userCount: 1 } });
    expect((await member.api.get('/v1/api/rooms/joined')).body).toEqual([]);
    await expectEventually(() =>
      expect(inbox.ofType('EXIT').map((line) => line.sender.uid)).toEqual([member.uid]),
    );
    const again = await member.api.post<ErrorBody>(`/v1/api/rooms/exit/${room.id}`);
    expect(again.status).toBe(403);
    expect(again.body.code).toBe('not-a-member');
    expect((await member.api.put('/v1/api/rooms/leave', { roomId: room.id })).status).toBe(403);

    // The owner exiting does not affect the others.
    const third = await chat.user();
    await chat.member(room.id, third);
    expect((await owner.api.post(`/v1/api/rooms/exit/${room.id}`)).status).toBe(200);
    expect((await third.api.get<RoomView>(`/v1/api/rooms/${room.id}`)).body).toMatchObject({ userCount: 1 });
    expect((await third.api.get<RoomSummaryView[]>('/v1/api/rooms/joined')).body.map((r) => r.id)).toEqual([
      room.id,
    ]);
  });

  it('keeps a user in at most 4 rooms: joining a fifth exits the oldest-joined and says so personally', async () => {
    const owners = await Promise.all([1, 2, 3, 4, 5].map(() => chat.user()));
    const user = await chat.user();
    const rooms: RoomView[] = [];
    for (const owner of owners) rooms.push(await chat.createRoom(owner));
    const client = await chat.connect(user);
    const events = await client.subscribe('/user/queue/events');
    const oldestWatch = await (await chat.connect(owners[0])).subscribe(`/chat/topic/room/${rooms[0].id}`);
    for (const room of rooms.slice(0, 4)) {
      clock.advance(1000);
      await client.send('/chat/pub/join', { roomId: room.id });
    }
    clock.advance(1000);
    await client.send('/chat/pub/join', { roomId: rooms[4].id });

    const joined = (await user.api.get<RoomSummaryView[]>('/v1/api/rooms/joined')).body.map(
      (room) => room.id,
    );
    expect(joined.sort()).toEqual(
      rooms
        .slice(1)
        .map((room) => room.id)
        .sort(),
    );
    await expectEventually(() =>
      expect(events.bodies<UserEvent>().filter((event) => event.type === 'room-evicted')).toEqual([
        expect.objectContaining({
          type: 'room-evicted',
          roomId: rooms[0].id,
          joinedRoomId: rooms[4].id,
          reason: 'room-limit',
        }),
      ]),
    );
    await expectEventually(() =>
      expect(oldestWatch.ofType('EXIT').map((line) => line.sender.uid)).toEqual([user.uid]),
    );
    expect(
      (await user.api.get<RoomView>(`/v1/api/rooms/${rooms[0].id}`)).body.users[user.uid],
    ).toBeUndefined();
  });

  it('shows every room to operators only', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    expect((await owner.api.get('/v1/api/rooms/')).status).toBe(403);
    const operator = await chat.user({ scopes: ['rooms:admin'] });
    const all = await operator.api.get<RoomSummaryView[]>('/v1/api/rooms/');
    expect(all.status).toBe(200);
    expect(all.body.map((r) => r.id)).toContain(room.id);
  });
});
