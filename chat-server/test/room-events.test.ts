import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomEvent, SearchIndexEvent } from '@playlist-chat/contracts';
import { ManualClock, type EventSubscription } from '@playlist-chat/platform';
import { sharedInMemoryEventBus } from '@playlist-chat/platform/adapters';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';

describe('room events on the bus (chat.rooms, for the presence server)', () => {
  const clock = new ManualClock('2026-06-01T00:00:00.000Z');
  const events: RoomEvent[] = [];
  const indexEvents: SearchIndexEvent[] = [];
  let subscriptions: EventSubscription[];
  let chat: TestChatServer;

  beforeAll(async () => {
    // The single-node process shares one in-memory bus: this is what the presence server would see.
    const bus = sharedInMemoryEventBus();
    subscriptions = [
      await bus.subscribe('chat.rooms', `test-${process.pid}`, async (event) => {
        events.push(event);
      }),
      await bus.subscribe('search.index', `test-${process.pid}`, async (event) => {
        indexEvents.push(event);
      }),
    ];
    chat = await TestChatServer.start(
      { CHAT_HOUSEKEEPING_INTERVAL_MS: '20', CHAT_MAX_ROOMS_PER_USER: '1' },
      { clock },
    );
  });
  afterAll(async () => {
    await chat.close();
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
  });

  const of = (roomId: string) =>
    events.filter((event) => event.payload.roomId === roomId).map((event) => event.type);

  it('tells who opened, joined, exited, was evicted, and when a room closed', async () => {
    const owner = await chat.user({ nickName: 'Owner' });
    const room = await chat.createRoom(owner);
    const member = await chat.user({ nickName: 'Member' });
    await chat.member(room.id, member);
    await member.api.post(`/v1/api/rooms/exit/${room.id}`);
    await expectEventually(() =>
      expect(of(room.id)).toEqual([
        'room.opened',
        'room.member-joined',
        'room.member-joined',
        'room.member-exited',
      ]),
    );
    const opened = events.find((event) => event.type === 'room.opened' && event.payload.roomId === room.id);
    expect(opened?.payload).toMatchObject({
      roomName: room.roomName,
      owner: { uid: owner.uid, nickName: 'Owner' },
    });
    expect(opened?.occurredAt).toBe(clock.now().toISOString());
    // The search service hears of it on the bus too (besides the HTTP outbox).
    await expectEventually(() =>
      expect(indexEvents.map((event) => event.payload)).toContainEqual(
        expect.objectContaining({
          roomId: room.id,
          roomName: room.roomName,
          playlistId: room.playlist.id,
          thumbnail: room.thumbnail,
        }),
      ),
    );

    // With a one-room limit, opening a second room evicts the owner from the first.
    const second = await chat.createRoom(owner);
    await expectEventually(() =>
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'room.member-exited',
          payload: { roomId: room.id, uid: owner.uid, reason: 'evicted' },
        }),
      ),
    );

    // Nobody left, no chat line, an hour without activity: closed.
    clock.advance(61 * 60_000);
    await expectEventually(() => expect(of(room.id).at(-1)).toBe('room.closed'));
    expect(of(second.id)).toContain('room.opened');
  });
});
