import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@playlist-chat/platform';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';
import { historyOf, type Api } from './support/http';
import type { RoomSummaryView, RoomView } from './support/shapes';

const DAY = 86_400_000;

describe('retention and idle clean-up on a controllable clock', () => {
  const clock = new ManualClock('2026-01-10T00:00:00.000Z');
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start(
      // MESSAGE_RETENTION_DAYS at its default: the spec's "kept at least 6 months" is the default's promise.
      { CHAT_HOUSEKEEPING_INTERVAL_MS: '20', ROOM_IDLE_MINUTES: '60' },
      { clock },
    );
  });
  afterAll(() => chat.close());

  const talkIn = async (api: Api, roomId: string): Promise<string[]> =>
    (await historyOf(api, roomId)).filter((line) => line.type === 'TALK').map((line) => line.content);

  it('keeps messages six calendar months by default (184 days, Jul-Dec) and purges older ones', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const watcher = await chat.connect(owner);
    await watcher.subscribe(`/chat/topic/room/${room.id}`); // someone online: the room itself stays open
    await owner.api.post('/v1/api/chat/api/v1/message', {
      roomId: room.id,
      clientMessageId: 'old',
      content: 'old line',
    });
    clock.advance(3 * DAY);
    await owner.api.post('/v1/api/chat/api/v1/message', {
      roomId: room.id,
      clientMessageId: 'young',
      content: 'young line',
    });
    expect(await talkIn(owner.api, room.id)).toEqual(['old line', 'young line']);

    // The old line is 184 days and a minute old; the young one 181 days: six months can be longer.
    clock.advance(181 * DAY + 60_000);
    await expectEventually(async () => expect(await talkIn(owner.api, room.id)).toEqual(['young line']));
    clock.advance(3 * DAY);
    await expectEventually(async () => expect(await talkIn(owner.api, room.id)).toEqual([]));
  });

  it('closes rooms with no chat lines, nobody online and no activity for an hour, and only those', async () => {
    const owner = await chat.user();
    const quiet = await chat.createRoom(owner);
    const talked = await chat.createRoom(await chat.user());
    const watched = await chat.createRoom(await chat.user());
    const recent = await chat.createRoom(await chat.user());
    const talker = await chat.member(talked.id);
    await talker.client.send('/chat/pub/send', {
      roomId: talked.id,
      clientMessageId: 't',
      content: 'a line',
    });
    await talker.client.disconnect();
    const online = await chat.member(watched.id);
    await online.client.subscribe(`/chat/topic/room/${watched.id}`);

    clock.advance(59 * 60_000);
    const late = await chat.member(recent.id); // activity (a join) a minute before the hour
    await late.client.disconnect();
    clock.advance(2 * 60_000); // 61 minutes since the others' last activity, 2 since the late join

    await expectEventually(async () =>
      expect((await owner.api.get(`/v1/api/rooms/${quiet.id}`)).status).toBe(404),
    );
    const viewer = await chat.user();
    expect((await viewer.api.get(`/v1/api/rooms/${talked.id}`)).status).toBe(200);
    expect((await viewer.api.get(`/v1/api/rooms/${watched.id}`)).status).toBe(200);
    expect((await viewer.api.get(`/v1/api/rooms/${recent.id}`)).status).toBe(200);
    expect(
      (await owner.api.get<RoomSummaryView[]>('/v1/api/rooms/joined')).body.map((room) => room.id),
    ).not.toContain(quiet.id);
    expect(
      (await viewer.api.get<RoomSummaryView[]>('/v1/api/rooms/unjoined')).body.map((room) => room.id),
    ).not.toContain(quiet.id);

    // A closed room frees its playlist: opening it again gives a new room.
    const reopened = await owner.api.post<RoomView>('/v1/api/rooms/create', {
      uid: owner.uid,
      userName: owner.nickName,
      playlist: quiet.playlist,
    });
    expect(reopened.status).toBe(201);
    expect(reopened.body.id).not.toBe(quiet.id);

    // Once the hour has passed for the late room too, it closes; the watched one stays while someone is in it.
    clock.advance(60 * 60_000);
    await expectEventually(async () =>
      expect((await viewer.api.get(`/v1/api/rooms/${recent.id}`)).status).toBe(404),
    );
    expect((await viewer.api.get(`/v1/api/rooms/${watched.id}`)).status).toBe(200);
  });
  it('closes a room of people who only came and went (over a hundred ENTER and EXIT lines, no chat line)', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    for (let i = 0; i < 55; i++) {
      const { user, client } = await chat.member(room.id);
      await client.disconnect();
      expect((await user.api.post(`/v1/api/rooms/exit/${room.id}`)).status).toBe(200);
    }
    expect((await historyOf(owner.api, room.id)).length).toBeGreaterThan(100);
    clock.advance(61 * 60_000);
    await expectEventually(async () =>
      expect((await owner.api.get(`/v1/api/rooms/${room.id}`)).status).toBe(404),
    );
  });

  it('keeps a room an hour after the last person online in it left, however long they stayed without a line', async () => {
    const viewer = await chat.user();
    const status = async (roomId: string) => (await viewer.api.get(`/v1/api/rooms/${roomId}`)).status;
    const minutes = (n: number) => clock.advance(n * 60_000);
    // A pass visits idle rooms oldest activity first. Each marker (a room nobody is in) went
    // quiet after the watched room, so once a marker is closed, a pass has looked at the room too.
    const room = await chat.createRoom(await chat.user());
    const stayer = await chat.member(room.id);
    await stayer.client.subscribe(`/chat/topic/room/${room.id}`);
    minutes(1);
    const firstMarker = await chat.createRoom(await chat.user());
    minutes(59);
    const secondMarker = await chat.createRoom(await chat.user());

    // 90 minutes in, the stayer still in the room without a line: being there is activity.
    minutes(30);
    await expectEventually(async () => expect(await status(firstMarker.id)).toBe(404));
    expect(await status(room.id)).toBe(200);

    // The stayer leaves; a pass half an hour later leaves the room open (it closed it: its last
    // line was 2 hours old)...
    await stayer.client.disconnect();
    minutes(31);
    await expectEventually(async () => expect(await status(secondMarker.id)).toBe(404));
    expect(await status(room.id)).toBe(200);
    // ...and an hour after the last pass that saw the stayer, it closes.
    minutes(30);
    await expectEventually(async () => expect(await status(room.id)).toBe(404));
  });
});
