import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChatServer } from './support/chat-server';
import { historyOf } from './support/http';
import { samplePlaylist } from './support/playlist';
import {
  fieldsOf,
  type ChatMessage,
  type ErrorBody,
  type RoomSummaryView,
  type RoomView,
} from './support/shapes';
import { StompErrorFrame } from './support/stomp-client';

/**
 * What one person's request may do to what belongs to someone else, and shapes that slipped past
 * validation: each case is a request that was accepted before and changed stored data.
 */
describe('ownership and shapes the chat server must refuse', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start();
  });
  afterAll(() => chat.close());

  describe('opening a room', () => {
    it('refuses a playlist sent as an array with 400 naming playlist (it was a 500), and opens nothing', async () => {
      const owner = await chat.user();
      const track = samplePlaylist().musics[0];
      for (const playlist of [[], [{ id: 'p-arr', name: 'Array', musics: [track] }]]) {
        const response = await owner.api.post<ErrorBody>('/v1/api/rooms/create', {
          uid: owner.uid,
          userName: 'Ann',
          playlist,
        });
        expect(response.status, JSON.stringify(playlist)).toBe(400);
        expect(response.body.code).toBe('invalid-payload');
        expect(fieldsOf(response.body)).toContain('playlist');
      }
      expect((await owner.api.get<RoomSummaryView[]>('/v1/api/rooms/joined')).body).toEqual([]);
    });

    it('refuses a track sent as an array with 400 naming it, instead of storing an empty track', async () => {
      const owner = await chat.user();
      const good = samplePlaylist().musics[0];
      const cases: [unknown[], string][] = [
        [[[]], 'playlist.musics'],
        [[[good]], 'playlist.musics'],
        [[good, []], 'playlist.musics'],
      ];
      for (const [musics, field] of cases) {
        const response = await owner.api.post<ErrorBody>('/v1/api/rooms/create', {
          uid: owner.uid,
          userName: 'Ann',
          playlist: { id: `p-${Math.random()}`, name: 'Tracks', musics },
        });
        expect(response.status, JSON.stringify(musics)).toBe(400);
        expect(fieldsOf(response.body)).toContain(field);
      }
      expect((await owner.api.get<RoomSummaryView[]>('/v1/api/rooms/joined')).body).toEqual([]);
    });

    it("gives someone naming another owner's playlist id a room of their own, before or after the owner's, never the owner's", async () => {
      const [alice, bob, carol] = [await chat.user(), await chat.user(), await chat.user()];
      // Playlist ids are not secret. Bob opens a room naming Alice's before she starts her chat:
      const playlist = samplePlaylist();
      const squat = await bob.api.post<RoomView>('/v1/api/rooms/create', {
        uid: bob.uid,
        userName: 'Bob',
        playlist: { ...playlist, name: 'anything' },
      });
      expect(squat.status).toBe(201);
      // Alice's "start chat" still opens her own room, with her in it (it returned Bob's, without her).
      const mine = await alice.api.post<RoomView>('/v1/api/rooms/create', {
        uid: alice.uid,
        userName: 'Alice',
        playlist,
      });
      expect(mine.status).toBe(201);
      expect(mine.body.id).not.toBe(squat.body.id);
      expect(mine.body.roomName).toBe(playlist.name);
      expect(Object.keys(mine.body.users)).toEqual([alice.uid]);
      // Carol, after both: her own room too; Alice's is unchanged, and nobody joined anyone's.
      const late = await carol.api.post<RoomView>('/v1/api/rooms/create', {
        uid: carol.uid,
        userName: 'Carol',
        playlist,
      });
      expect(late.status).toBe(201);
      expect(new Set([squat.body.id, mine.body.id, late.body.id]).size).toBe(3);
      const seen = await alice.api.get<RoomView>(`/v1/api/rooms/${mine.body.id}`);
      expect(Object.keys(seen.body.users)).toEqual([alice.uid]);
      expect((await historyOf(alice.api, mine.body.id)).map((line) => line.type)).toEqual(['ENTER']);
      for (const [someone, room] of [
        [alice, mine],
        [bob, squat],
        [carol, late],
      ] as const)
        expect(
          (await someone.api.get<RoomSummaryView[]>('/v1/api/rooms/joined')).body.map((r) => r.id),
        ).toEqual([room.body.id]);
    });

    it("lets the owner's retry return the room, still with the owner as its only member", async () => {
      const owner = await chat.user();
      const playlist = samplePlaylist();
      const room = await chat.createRoom(owner, playlist);
      const retry = await owner.api.post<RoomView>('/v1/api/rooms/create', {
        uid: owner.uid,
        userName: owner.nickName,
        playlist,
      });
      expect(retry.status).toBe(200);
      expect(retry.body.id).toBe(room.id);
      expect(Object.keys(retry.body.users)).toEqual([owner.uid]);
    });

    it('refuses, even for the playlist service, an owner uid no one could sign in with: 400 naming uid', async () => {
      const service = await chat.user({ scopes: ['rooms:create'] });
      for (const uid of ['u 1', 'u\u0000x', '\u202Eu1', 'ü', 'x'.repeat(129)]) {
        const response = await service.api.post<ErrorBody>('/v1/api/rooms/create', {
          uid,
          userName: 'Owner',
          playlist: samplePlaylist(),
        });
        expect(response.status, JSON.stringify(uid)).toBe(400);
        expect(fieldsOf(response.body)).toEqual(['uid']);
      }
      const fine = await service.api.post('/v1/api/rooms/create', {
        uid: 'owner-1@example:x',
        userName: 'Owner',
        playlist: samplePlaylist(),
      });
      expect(fine.status).toBe(201);
    });
  });

  describe('chat lines', () => {
    it("refuses a line under another member's clientMessageId with 409, and stores nothing of it", async () => {
      const alice = await chat.user();
      const room = await chat.createRoom(alice);
      const { user: bob, client } = await chat.member(room.id);
      const bobs = await bob.api.post<ChatMessage>('/v1/api/chat/api/v1/message', {
        roomId: room.id,
        clientMessageId: 'm-1',
        content: 'bob says hi',
      });
      expect(bobs.status).toBe(201);
      const alices = await alice.api.post<ErrorBody>('/v1/api/chat/api/v1/message', {
        roomId: room.id,
        clientMessageId: 'm-1',
        content: 'alice important line',
      });
      expect(alices.status).toBe(409);
      expect(alices.body.code).toBe('client-message-id-taken');
      expect(fieldsOf(alices.body)).toEqual(['clientMessageId']);
      // Over STOMP the same: an ERROR, not Bob's line as if it were hers.
      const alicesClient = await chat.connect(alice);
      const refused = await alicesClient
        .send('/chat/pub/send', { roomId: room.id, clientMessageId: 'm-1', content: 'again' })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(refused).toBeInstanceOf(StompErrorFrame);
      expect((refused as StompErrorFrame).code).toBe('client-message-id-taken');
      // Bob's own resend is still his line, once; Alice's next line with a fresh id is stored.
      const resent = await bob.api.post<ChatMessage>('/v1/api/chat/api/v1/message', {
        roomId: room.id,
        clientMessageId: 'm-1',
        content: 'bob says hi',
      });
      expect(resent.body.messageId).toBe(bobs.body.messageId);
      await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'm-2', content: 'still here' });
      const talk = (await historyOf(alice.api, room.id)).filter((line) => line.type === 'TALK');
      expect(talk.map((line) => [line.sender.uid, line.content])).toEqual([
        [bob.uid, 'bob says hi'],
        [bob.uid, 'still here'],
      ]);
    });

    it('refuses text holding an unpaired surrogate with 400 naming the field, where it was stored altered', async () => {
      const owner = await chat.user();
      const room = await chat.createRoom(owner);
      const response = await fetch(`${chat.url}/v1/api/chat/api/v1/message`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
        body: `{"roomId":"${room.id}","clientMessageId":"s-1","content":"x\\ud800y"}`,
      });
      expect(response.status).toBe(400);
      expect(fieldsOf((await response.json()) as ErrorBody)).toEqual(['content']);
      const client = await chat.connect(owner);
      const refused = await client
        .send('/chat/pub/send', `{"roomId":"${room.id}","clientMessageId":"s-2","content":"\\udfff"}`)
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(refused).toBeInstanceOf(StompErrorFrame);
      expect((refused as StompErrorFrame).code).toBe('invalid-payload');
      const created = await fetch(`${chat.url}/v1/api/rooms/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
        body: JSON.stringify({ uid: owner.uid, userName: 'x', playlist: samplePlaylist() }).replace(
          '"userName":"x"',
          '"userName":"\\ud800"',
        ),
      });
      expect(created.status).toBe(400);
      expect(fieldsOf((await created.json()) as ErrorBody)).toEqual(['userName']);
      expect((await historyOf(owner.api, room.id)).filter((line) => line.type === 'TALK')).toEqual([]);
    });
  });
});
