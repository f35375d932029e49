import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';
import { historyOf } from './support/http';
import type { ErrorBody, RoomView } from './support/shapes';
import { StompErrorFrame } from './support/stomp-client';

/** What membership grants, and that it is withdrawn everywhere once it ends. */
describe('membership boundaries', () => {
  let chat: TestChatServer;
  let other: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start({ CHAT_MAX_ROOMS_PER_USER: '2' });
    other = await chat.startAnother(); // a second instance: same store and fan-out
  });
  afterAll(async () => {
    await other.close();
    await chat.close();
  });

  /** A room with its owner talking, and `user` joined and watching it on both instances. */
  async function watchedRoom() {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const talker = await chat.connect(owner);
    const { user, client } = await chat.member(room.id);
    const here = await client.subscribe(`/chat/topic/room/${room.id}`);
    const there = await (await other.connect(user)).subscribe(`/chat/topic/room/${room.id}`);
    const watcher = await talker.subscribe(`/chat/topic/room/${room.id}`);
    return { owner, room, talker, user, here, there, watcher };
  }

  it('ends an exited member’s subscriptions to the room on every instance', async () => {
    const { room, talker, user, here, there, watcher } = await watchedRoom();
    expect((await user.api.post(`/v1/api/rooms/exit/${room.id}`)).status).toBe(200);

    await talker.send('/chat/pub/send', {
      roomId: room.id,
      clientMessageId: 'after-exit',
      content: 'secret',
    });
    await expectEventually(() => expect(watcher.bodies().map((m) => m.content)).toContain('secret'));
    for (const inbox of [here, there]) expect(inbox.bodies().map((m) => m.content)).not.toContain('secret');
  });

  it('ends an evicted member’s subscriptions to the room they were evicted from', async () => {
    const { room, talker, user, here, there, watcher } = await watchedRoom();
    // Two rooms allowed: a second and a third join evict the oldest-joined one, this room.
    const client = await chat.connect(user);
    for (const next of [await chat.createRoom(await chat.user()), await chat.createRoom(await chat.user())])
      await client.send('/chat/pub/join', { roomId: next.id });
    expect((await user.api.get(`/v1/api/chat/api/v1/history/${room.id}`)).status).toBe(403);

    await talker.send('/chat/pub/send', {
      roomId: room.id,
      clientMessageId: 'after-evict',
      content: 'hidden',
    });
    await expectEventually(() => expect(watcher.bodies().map((m) => m.content)).toContain('hidden'));
    for (const inbox of [here, there]) expect(inbox.bodies().map((m) => m.content)).not.toContain('hidden');
  });

  it('shows a non-member the room without its member list', async () => {
    const { room, user } = await watchedRoom();
    const stranger = await chat.user();
    const seen = await stranger.api.get<RoomView>(`/v1/api/rooms/${room.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id: room.id, userCount: 2 });
    expect(seen.body.users).toEqual({});
    const asMember = await user.api.get<RoomView>(`/v1/api/rooms/${room.id}`);
    expect(Object.keys(asMember.body.users)).toContain(user.uid);
  });

  it('refuses a READ of a message id that is not in the room, and saves nothing', async () => {
    const { room, talker, user } = await watchedRoom();
    await talker.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'real', content: 'real line' });
    const otherOwner = await chat.user();
    const elsewhere = await chat.createRoom(otherOwner);
    const foreign = (await historyOf(otherOwner.api, elsewhere.id))[0].messageId!; // a real id, of another room
    const reader = await chat.connect(user);
    const error = await reader
      .send('/chat/pub/read', { roomId: room.id, messageId: foreign })
      .catch((caught: unknown) => caught);
    expect((error as StompErrorFrame).code).toBe('invalid-payload');
    const joined = await user.api.get<{ id: string; unreadCount: number }[]>('/v1/api/rooms/joined');
    expect(joined.body.find((r) => r.id === room.id)?.unreadCount).toBeGreaterThan(0);
  });

  it('refuses to leave with a lastReadMessageId that is not in the room: 400 naming it', async () => {
    const { room, user } = await watchedRoom();
    const response = await user.api.put<ErrorBody>('/v1/api/rooms/leave', {
      roomId: room.id,
      lastReadMessageId: 'ffffffffffffffffffffffffff',
    });
    expect(response.status).toBe(400);
    expect(response.body.errors?.map((e) => e.field)).toEqual(['lastReadMessageId']);
  });
});
