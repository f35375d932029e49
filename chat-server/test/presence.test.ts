import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceEvent, NotificationEvent, PresenceState } from '@playlist-chat/contracts';
import { ConfigError, ManualClock, type Env, type EventSubscription } from '@playlist-chat/platform';
import { sharedInMemoryEventBus } from '@playlist-chat/platform/adapters';
import { startChatServer, type PresenceQueries } from '@playlist-chat/chat-server';
import { Redis } from 'ioredis';
import { expectEventually, startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
import { freshDataDir, TestChatServer, type PresenceLookupKind, type TestUser } from './support/chat-server';
import { historyOf, type Api } from './support/http';
import type { ErrorBody, ReentryView, RoomView, UserEvent } from './support/shapes';
import { StompErrorFrame, type Inbox, type TestStompClient } from './support/stomp-client';

const GRACE_SECONDS = 5;
const TTL_SECONDS = 60;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The presence server's settings in these suites (the product's defaults, spelled out). */
const presenceEnv = (extra: Env = {}): Env => ({
  PRESENCE_DEVICE_TTL_SECONDS: String(TTL_SECONDS),
  PRESENCE_DISCONNECT_GRACE_SECONDS: String(GRACE_SECONDS),
  ...extra,
});

/** No heart-beat within a test unless the test is about them. */
const NO_HEARTBEATS: Env = { CHAT_PRESENCE_HEARTBEAT_MS: String(HOUR_MS) };

/** The states PRESENCE messages announced for `uid`, in order. */
const statesOf = (inbox: Inbox, uid: string): (PresenceState | undefined)[] =>
  inbox
    .ofType('PRESENCE')
    .filter((message) => message.sender.uid === uid)
    .map((message) => message.state);

/** Uids on the presence server's `on` or `off` list of the room, as a member reads it. */
async function listed(api: Api, roomId: string, state: PresenceState): Promise<string[]> {
  const response = await api.get<{ members: { uid: string }[] }>(`/api/v1/presence/${roomId}/${state}`);
  if (response.status !== 200) throw new Error(`GET ${state}: ${response.status}`);
  return response.body.members.map((member) => member.uid);
}

async function expectRefused(attempt: Promise<unknown>, code: string): Promise<StompErrorFrame> {
  const error = await attempt.then(
    () => {
      throw new Error(`expected ERROR ${code}`);
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StompErrorFrame);
  expect((error as StompErrorFrame).code).toBe(code);
  return error as StompErrorFrame;
}

/** Device events the chat servers publish, seen from a group of the test's own. */
function watchDevices(): { events: DeviceEvent[]; start(): Promise<void>; stop(): Promise<void> } {
  const events: DeviceEvent[] = [];
  let subscription: EventSubscription | undefined;
  return {
    events,
    async start() {
      subscription = await sharedInMemoryEventBus().subscribe(
        'chat.devices',
        `test-devices-${randomUUID()}`,
        async (event) => {
          events.push(event);
        },
      );
    },
    stop: async () => subscription?.close(),
  };
}

const ofType = <T extends DeviceEvent['type']>(events: DeviceEvent[], type: T, uid: string) =>
  events.filter(
    (event): event is Extract<DeviceEvent, { type: T }> => event.type === type && event.payload.uid === uid,
  );

async function joinWithEvents(chat: TestChatServer, user: TestUser, roomId: string) {
  const client = await chat.connect(user);
  const personal = await client.subscribe('/user/queue/events');
  await client.send('/chat/pub/join', { roomId });
  return { client, personal };
}

const presenceStatuses = (personal: Inbox) =>
  personal.bodies<UserEvent>().filter((event) => event.type === 'presence-status');

/** A room whose owner watches it; the owner's subscription makes them on. */
async function watchedRoom(chat: TestChatServer) {
  const owner = await chat.user({ nickName: 'Owner' });
  const room = await chat.createRoom(owner);
  const watcher = await chat.connect(owner);
  const inbox = await watcher.subscribe(`/chat/topic/room/${room.id}`);
  await expectEventually(() => expect(statesOf(inbox, owner.uid)).toEqual(['on']));
  return { owner, room, watcher, inbox, lists: chat.presenceApi(owner) };
}

/** UNSUBSCRIBE with a receipt: resolves once the server has handled it. */
function unsubscribe(client: TestStompClient, inbox: Inbox): Promise<void> {
  const receipt = `unsubscribe-${randomUUID()}`;
  const done = new Promise<void>((resolve) => client.client.watchForReceipt(receipt, () => resolve()));
  inbox.subscription.unsubscribe({ receipt });
  return done;
}

// Both ways the chat server asks: over HTTP (a cluster) and in process (the single node).
describe.each<PresenceLookupKind>(['http', 'in-process'])(
  'chat that follows presence (lookup %s)',
  (presenceLookup) => {
    const clock = new ManualClock('2026-05-01T10:00:00.000Z');
    const devices = watchDevices();
    let chat: TestChatServer;

    beforeAll(async () => {
      await devices.start();
      chat = await TestChatServer.start(NO_HEARTBEATS, { clock, presence: presenceEnv(), presenceLookup });
    });
    afterAll(async () => {
      await chat?.close();
      await devices.stop();
    });

    const roomWithWatcher = () => watchedRoom(chat);

    it('a join makes the member on: they are told they may chat, the room hears PRESENCE, the lists follow', async () => {
      const { owner, room, inbox, lists } = await roomWithWatcher();
      const bob = await chat.user({ nickName: 'Bob' });
      const { client, personal } = await joinWithEvents(chat, bob, room.id);

      // The answer to "may I chat here?" arrives before the join's RECEIPT.
      expect(presenceStatuses(personal)).toEqual([
        {
          type: 'presence-status',
          roomId: room.id,
          mayChat: true,
          source: 'presence-server',
          at: clock.now().toISOString(),
        },
      ]);
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on']));
      expect(inbox.ofType('PRESENCE').find((message) => message.sender.uid === bob.uid)).toEqual({
        type: 'PRESENCE',
        roomId: room.id,
        messageId: null,
        clientMessageId: null,
        sender: { uid: bob.uid, nickName: 'Bob', profileImage: null },
        content: '',
        createdAt: clock.now().toISOString(),
        state: 'on',
      });
      expect(await listed(lists, room.id, 'on')).toEqual([bob.uid, owner.uid]); // Bob, Owner: by nickname
      expect(await listed(lists, room.id, 'off')).toEqual([]);
      expect(ofType(devices.events, 'presence.device-connected', bob.uid)).toEqual([
        expect.objectContaining({ payload: { roomId: room.id, uid: bob.uid, deviceId: expect.any(String) } }),
      ]);

      await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'hi', content: 'hi all' });
      await expectEventually(() =>
        expect(inbox.ofType('TALK').map((line) => line.content)).toEqual(['hi all']),
      );
    });

    it('multi-device: on while any device is connected, off once the last one is gone and the grace has passed', async () => {
      const { room, inbox, lists } = await roomWithWatcher();
      const bob = await chat.user({ nickName: 'Bob' });
      const phone = await chat.member(room.id, bob);
      const laptop = await chat.member(room.id, bob);
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on']));
      const deviceIds = ofType(devices.events, 'presence.device-connected', bob.uid).map(
        (event) => event.payload.deviceId,
      );
      expect(new Set(deviceIds).size).toBe(2); // one device per STOMP session

      await phone.client.disconnect();
      await expectEventually(() =>
        expect(ofType(devices.events, 'presence.device-disconnected', bob.uid)).toHaveLength(1),
      );
      clock.advance((GRACE_SECONDS + 1) * 1000);
      expect(await listed(lists, room.id, 'on')).toContain(bob.uid); // the laptop is still connected

      await laptop.client.disconnect();
      await expectEventually(() =>
        expect(ofType(devices.events, 'presence.device-disconnected', bob.uid)).toHaveLength(2),
      );
      expect(await listed(lists, room.id, 'on')).toContain(bob.uid); // within the grace
      clock.advance((GRACE_SECONDS + 1) * 1000);
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));
      expect(await listed(lists, room.id, 'off')).toEqual([bob.uid]);
    });

    it('a reconnect within the grace period (a page reload) does not flash the member off', async () => {
      const { room, inbox } = await roomWithWatcher();
      const bob = await chat.user({ nickName: 'Bob' });
      const first = await chat.member(room.id, bob);
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on']));

      await first.client.disconnect();
      const reloaded = await chat.connect(bob);
      await reloaded.subscribe(`/chat/topic/room/${room.id}`); // subscribing counts like joining
      await expectEventually(() =>
        expect(ofType(devices.events, 'presence.device-connected', bob.uid)).toHaveLength(2),
      );
      clock.advance((GRACE_SECONDS + 1) * 1000);
      await reloaded.disconnect();
      await expectEventually(() =>
        expect(ofType(devices.events, 'presence.device-disconnected', bob.uid)).toHaveLength(2),
      );
      clock.advance((GRACE_SECONDS + 1) * 1000);
      // Events are in order per room: the final off proves there was no off before it.
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));
    });

    it('PATCH off: the member appears offline and cannot send (presence-off, nothing stored) until PATCH on', async () => {
      const { owner, room, watcher, inbox, lists } = await roomWithWatcher();
      const bob = await chat.user({ nickName: 'Bob' });
      const { client } = await chat.member(room.id, bob);
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on']));

      const off = await chat.presenceApi(bob).patch('/api/v1/presence/off', { roomId: room.id });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ state: 'off', mayChat: false, changed: true });
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));
      expect(await listed(lists, room.id, 'off')).toEqual([bob.uid]);

      const before = await historyOf(owner.api, room.id);
      const error = await expectRefused(
        client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'hidden', content: 'psst' }),
        'presence-off',
      );
      expect(error.frame.headers.message).toMatch(/presence in this room is off/);
      const rest = await bob.api.post<ErrorBody>('/v1/api/chat/api/v1/message', {
        roomId: room.id,
        clientMessageId: 'hidden-rest',
        content: 'psst',
      });
      expect(rest.status).toBe(403);
      expect(rest.body.code).toBe('presence-off');
      expect(await historyOf(owner.api, room.id)).toEqual(before);

      // Joining again tells the member the same, before anything is sent.
      const again = await joinWithEvents(chat, bob, room.id);
      expect(presenceStatuses(again.personal)).toEqual([
        expect.objectContaining({ roomId: room.id, mayChat: false, source: 'presence-server' }),
      ]);
      // The others carry on.
      await watcher.send('/chat/pub/send', {
        roomId: room.id,
        clientMessageId: 'o1',
        content: 'owner talks',
      });

      const on = await chat.presenceApi(bob).patch('/api/v1/presence/on', { roomId: room.id });
      expect(on.body).toMatchObject({ state: 'on', mayChat: true, changed: true });
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off', 'on']));
      await again.client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'b1', content: 'back' });
      const talk = (await historyOf(owner.api, room.id)).filter((line) => line.type === 'TALK');
      expect(talk.map((line) => line.content)).toEqual(['owner talks', 'back']);
    });

    it('PATCH off: the room hears neither typing nor read receipts from the member, whose read position is still saved', async () => {
      const { owner, room, watcher, inbox } = await roomWithWatcher();
      const bob = await chat.user({ nickName: 'Bob' });
      const { client } = await chat.member(room.id, bob);
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on']));
      await chat.presenceApi(bob).patch('/api/v1/presence/off', { roomId: room.id });
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));

      await watcher.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'o1', content: 'anyone?' });
      const line = (await historyOf(owner.api, room.id)).at(-1)!;
      await client.send('/chat/pub/typing', { roomId: room.id });
      await client.send('/chat/pub/read', { roomId: room.id, messageId: line.messageId });
      // Appearing offline looks like being offline: nothing of Bob reaches the room...
      const fromBob = (type: string) => inbox.ofType(type).filter((event) => event.sender.uid === bob.uid);
      // ...which the owner's own typing, sent after Bob's frames and heard, shows has had time to.
      await watcher.send('/chat/pub/typing', { roomId: room.id });
      await expectEventually(() =>
        expect(inbox.ofType('TYPING').map((e) => e.sender.uid)).toContain(owner.uid),
      );
      expect(fromBob('TYPING')).toEqual([]);
      expect(fromBob('READ')).toEqual([]);
      // ...but his own read position moved: re-entering, he has nothing unread.
      const back = await bob.api.get<ReentryView>(`/v1/api/chat/api/v1/rooms/joined/${room.id}`);
      expect(back.body).toMatchObject({ lastReadMessageId: line.messageId, messages: [] });

      await chat.presenceApi(bob).patch('/api/v1/presence/on', { roomId: room.id });
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off', 'on']));
      await client.send('/chat/pub/typing', { roomId: room.id });
      await expectEventually(() => expect(fromBob('TYPING')).toHaveLength(1));
    });

    it("PATCH off: the others are not shown the member's read position moving (READ or leaving for now), the member is; PATCH on and reading shows it again", async () => {
      const { owner, room, watcher } = await roomWithWatcher();
      const bob = await chat.user({ nickName: 'Bob' });
      const { client } = await chat.member(room.id, bob);
      const say = async (id: string) => {
        await watcher.send('/chat/pub/send', { roomId: room.id, clientMessageId: id, content: id });
        return (await historyOf(owner.api, room.id)).at(-1)!.messageId;
      };
      const seenBy = async (viewer: typeof owner) =>
        (await viewer.api.get<RoomView>(`/v1/api/rooms/${room.id}`)).body.users[bob.uid].lastReadMessageId;

      const first = await say('r1');
      await client.send('/chat/pub/read', { roomId: room.id, messageId: first });
      expect(await seenBy(owner)).toBe(first);

      await chat.presenceApi(bob).patch('/api/v1/presence/off', { roomId: room.id });
      const second = await say('r2');
      await client.send('/chat/pub/read', { roomId: room.id, messageId: second });
      const third = await say('r3');
      expect(
        (await bob.api.put('/v1/api/rooms/leave', { roomId: room.id, lastReadMessageId: third })).status,
      ).toBe(200);
      expect(await seenBy(owner)).toBe(first);
      expect(await seenBy(bob)).toBe(third);
      const back = await bob.api.get<ReentryView>(`/v1/api/chat/api/v1/rooms/joined/${room.id}`);
      expect(back.body).toMatchObject({ lastReadMessageId: third, messages: [] });

      await chat.presenceApi(bob).patch('/api/v1/presence/on', { roomId: room.id });
      await client.send('/chat/pub/read', { roomId: room.id, messageId: third });
      expect(await seenBy(owner)).toBe(third);
    });

    it('a READ held back by CHAT_READ_RATE_LIMIT does not reach the room once its sender appears offline, or has left for good', async () => {
      const { owner, room, watcher, inbox } = await roomWithWatcher();
      const line = (await historyOf(owner.api, room.id)).at(-1)!;
      const bob = await chat.user({ nickName: 'Bob' });
      const cleo = await chat.user({ nickName: 'Cleo' });
      const readers = [
        { user: bob, client: (await chat.member(room.id, bob)).client },
        { user: cleo, client: (await chat.member(room.id, cleo)).client },
      ];
      // Ten READs a member in two seconds go at once; the eleventh is held until the limit allows it.
      for (const { client } of readers)
        for (let i = 0; i < 11; i++)
          await client.send('/chat/pub/read', { roomId: room.id, messageId: line.messageId });
      const readsOf = (uid: string) => inbox.ofType('READ').filter((event) => event.sender.uid === uid);
      await expectEventually(() => readers.forEach(({ user }) => expect(readsOf(user.uid)).toHaveLength(10)));

      await chat.presenceApi(bob).patch('/api/v1/presence/off', { roomId: room.id });
      expect((await cleo.api.post(`/v1/api/rooms/exit/${room.id}`)).status).toBe(200);
      await expectEventually(() => expect(statesOf(inbox, bob.uid).at(-1)).toBe('off'));
      // The limit allows one more now: what was held would go out at its next try (every 200 ms).
      clock.advance(2_000);
      await new Promise((resolve) => setTimeout(resolve, 600));
      await watcher.send('/chat/pub/typing', { roomId: room.id });
      await expectEventually(() =>
        expect(inbox.ofType('TYPING').map((e) => e.sender.uid)).toContain(owner.uid),
      );
      for (const { user } of readers) expect(readsOf(user.uid), user.nickName).toHaveLength(10);
    });

    it('an instance that started after the PATCH off still refuses: it asks the presence server', async () => {
      const { room, inbox } = await roomWithWatcher();
      const bob = await chat.user({ nickName: 'Bob' });
      await chat.member(room.id, bob);
      await chat.presenceApi(bob).patch('/api/v1/presence/off', { roomId: room.id });
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));

      // A new instance's consumer group starts at the end of the log: it never sees that event.
      const late = await chat.startAnother();
      try {
        // A send with no join first: the member is looked up on their first send.
        const direct = await late.connect(bob);
        await expectRefused(
          direct.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'd', content: 'x' }),
          'presence-off',
        );
        const joined = await joinWithEvents(late, bob, room.id);
        expect(presenceStatuses(joined.personal)).toEqual([
          expect.objectContaining({ mayChat: false, source: 'presence-server' }),
        ]);
        await expectRefused(
          joined.client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'j', content: 'x' }),
          'presence-off',
        );
      } finally {
        await late.close();
      }
    });

    it('in a cluster every instance hears every change and tells its own subscribers, once each', async () => {
      const { owner, room, watcher, inbox } = await roomWithWatcher();
      const other = await chat.startAnother();
      try {
        const carol = await chat.user({ nickName: 'Carol' });
        const carolOnOther = await other.connect(carol);
        await carolOnOther.send('/chat/pub/join', { roomId: room.id });
        const otherInbox = await carolOnOther.subscribe(`/chat/topic/room/${room.id}`);
        const bob = await chat.user({ nickName: 'Bob' });
        const bobOnOther: TestStompClient = (await other.member(room.id, bob)).client;
        await expectEventually(() => {
          expect(statesOf(inbox, bob.uid)).toEqual(['on']);
          expect(statesOf(otherInbox, bob.uid)).toEqual(['on']);
        });

        await chat.presenceApi(bob).patch('/api/v1/presence/off', { roomId: room.id });
        await expectEventually(() => {
          expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']);
          expect(statesOf(otherInbox, bob.uid)).toEqual(['on', 'off']);
        });
        // The instance Bob is on learnt it from its own consumer group.
        await expectRefused(
          bobOnOther.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'b', content: 'x' }),
          'presence-off',
        );
        // A line sent afterwards arrives everywhere; no second copy of a PRESENCE came before it.
        await watcher.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'mark', content: 'mark' });
        await expectEventually(() => {
          expect(inbox.ofType('TALK')).toHaveLength(1);
          expect(otherInbox.ofType('TALK')).toHaveLength(1);
        });
        expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']);
        expect(statesOf(otherInbox, bob.uid)).toEqual(['on', 'off']);
        expect(statesOf(otherInbox, owner.uid)).toEqual([]); // the owner went on before Carol subscribed
      } finally {
        await other.close();
      }
    });

    // Last in this suite: it moves the clock past the TTL of every device above.
    it('drops a session the presence server stops hearing from after the TTL (here: no heart-beats are sent)', async () => {
      const { room, inbox, lists } = await roomWithWatcher();
      const bob = await chat.user({ nickName: 'Bob' });
      const { client } = await chat.member(room.id, bob);
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on']));

      clock.advance((TTL_SECONDS - 1) * 1000);
      expect(await listed(lists, room.id, 'on')).toContain(bob.uid);
      clock.advance(2000);
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));
      expect(await listed(lists, room.id, 'off')).toContain(bob.uid);
      expect(client.isClosed).toBe(false); // the session is still there; only its presence lapsed
    });
  },
);

describe.each<PresenceLookupKind>(['http', 'in-process'])(
  'presence ends when the member leaves the room view, and counts again when they come back (lookup %s)',
  (presenceLookup) => {
    const clock = new ManualClock('2026-05-05T10:00:00.000Z');
    const devices = watchDevices();
    let chat: TestChatServer;

    beforeAll(async () => {
      await devices.start();
      chat = await TestChatServer.start(NO_HEARTBEATS, { clock, presence: presenceEnv(), presenceLookup });
    });
    afterAll(async () => {
      await chat?.close();
      await devices.stop();
    });

    const topic = (roomId: string) => `/chat/topic/room/${roomId}`;
    const connectsOf = (uid: string) => ofType(devices.events, 'presence.device-connected', uid);
    const disconnectsOf = (uid: string) =>
      ofType(devices.events, 'presence.device-disconnected', uid).map((event) => event.payload);
    /** Device ids of `uid` in the order they first connected. */
    const deviceIdsOf = (uid: string) => [...new Set(connectsOf(uid).map((event) => event.payload.deviceId))];
    const passTheGrace = () => clock.advance((GRACE_SECONDS + 1) * 1000);

    /** What the web client does on opening a room: join, then follow the room's topic. */
    async function openRoomView(user: TestUser, roomId: string) {
      const client = await chat.connect(user);
      await client.send('/chat/pub/join', { roomId });
      const view = await client.subscribe(topic(roomId));
      return { client, view };
    }

    it('unsubscribing the room topic ends that session’s presence: off once the grace has passed; subscribing again is on', async () => {
      const { room, inbox, lists } = await watchedRoom(chat);
      const bob = await chat.user({ nickName: 'Bob' });
      const { client, view } = await openRoomView(bob, room.id);
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on']));
      const [deviceId] = deviceIdsOf(bob.uid);

      await unsubscribe(client, view);
      await expectEventually(() =>
        expect(disconnectsOf(bob.uid)).toEqual([{ roomId: room.id, uid: bob.uid, deviceId }]),
      );
      expect(await listed(lists, room.id, 'on')).toContain(bob.uid); // within the grace
      passTheGrace();
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));
      expect(await listed(lists, room.id, 'off')).toEqual([bob.uid]);
      expect(client.isClosed).toBe(false); // only the presence ended, not the connection

      await client.subscribe(topic(room.id));
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off', 'on']));
      expect(await listed(lists, room.id, 'on')).toContain(bob.uid);
      expect(deviceIdsOf(bob.uid)).toEqual([deviceId]); // the same device, back in the room
    });

    it('a second device still subscribed keeps the member on, and so does a second subscription of one session', async () => {
      const { room, inbox, lists } = await watchedRoom(chat);
      const bob = await chat.user({ nickName: 'Bob' });
      const phone = await openRoomView(bob, room.id);
      const laptop = await chat.connect(bob);
      const laptopView = await laptop.subscribe(topic(room.id));
      const laptopSecondView = await laptop.subscribe(topic(room.id));
      await expectEventually(() => expect(deviceIdsOf(bob.uid)).toHaveLength(2));
      const [phoneId, laptopId] = deviceIdsOf(bob.uid);

      await unsubscribe(laptop, laptopView); // the laptop still follows the room once
      await unsubscribe(phone.client, phone.view);
      // Device events of a room are in order: the phone's end shows the laptop's unsubscribe ended nothing.
      await expectEventually(() =>
        expect(disconnectsOf(bob.uid)).toEqual([{ roomId: room.id, uid: bob.uid, deviceId: phoneId }]),
      );
      passTheGrace();
      expect(await listed(lists, room.id, 'on')).toContain(bob.uid);

      await unsubscribe(laptop, laptopSecondView);
      await expectEventually(() =>
        expect(disconnectsOf(bob.uid).map((event) => event.deviceId)).toEqual([phoneId, laptopId]),
      );
      passTheGrace();
      // Events are in order per room: the final off proves there was no off before it.
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));
    });

    it('leaving for now (PUT /v1/api/rooms/leave) ends the presence of a session that only joined; joining again is on', async () => {
      const { room, inbox, lists } = await watchedRoom(chat);
      const bob = await chat.user({ nickName: 'Bob' });
      const { client } = await chat.member(room.id, bob); // joined over STOMP, follows no topic
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on']));

      const left = await bob.api.put('/v1/api/rooms/leave', { roomId: room.id });
      expect(left.status).toBe(200);
      await expectEventually(() => expect(disconnectsOf(bob.uid)).toHaveLength(1));
      passTheGrace();
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));
      expect(await listed(lists, room.id, 'off')).toEqual([bob.uid]);
      expect((await bob.api.get('/v1/api/rooms/joined')).body).toEqual([
        expect.objectContaining({ id: room.id }), // still a member: only the presence ended
      ]);

      await client.send('/chat/pub/join', { roomId: room.id });
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off', 'on']));
      await client.send('/chat/pub/send', {
        roomId: room.id,
        clientMessageId: 'back',
        content: 'back again',
      });
      await expectEventually(() =>
        expect(inbox.ofType('TALK').map((line) => line.content)).toEqual(['back again']),
      );
    });

    it('going back to the lobby on one device (unsubscribe and leave) keeps the member on while another shows the room', async () => {
      const { room, inbox, lists } = await watchedRoom(chat);
      const bob = await chat.user({ nickName: 'Bob' });
      const phone = await openRoomView(bob, room.id);
      const laptop = await openRoomView(bob, room.id);
      await expectEventually(() => expect(deviceIdsOf(bob.uid)).toHaveLength(2));
      const [phoneId, laptopId] = deviceIdsOf(bob.uid);

      // The web client's order: UNSUBSCRIBE, then the REST leave.
      await unsubscribe(laptop.client, laptop.view);
      expect((await bob.api.put('/v1/api/rooms/leave', { roomId: room.id })).status).toBe(200);
      // Also in the other order: the phone's leave comes first, while it still shows the room.
      expect((await bob.api.put('/v1/api/rooms/leave', { roomId: room.id })).status).toBe(200);
      passTheGrace();
      expect(await listed(lists, room.id, 'on')).toContain(bob.uid);

      await unsubscribe(phone.client, phone.view);
      await expectEventually(() =>
        expect(disconnectsOf(bob.uid).map((event) => event.deviceId)).toEqual([laptopId, phoneId]),
      );
      passTheGrace();
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));
    });

    it('a member joining again under a new nickname and picture: the room and the lists show the new ones', async () => {
      const { owner, room, lists } = await watchedRoom(chat);
      const bob = await chat.user({ nickName: 'Bob' });
      await chat.member(room.id, bob);
      const names = async () =>
        (
          await lists.get<{ members: { nickName: string }[] }>(`/api/v1/presence/${room.id}/on`)
        ).body.members.map((member) => member.nickName);
      await expectEventually(async () => expect(await names()).toEqual(['Bob', 'Owner']));

      const robert = await chat.user({
        uid: bob.uid,
        nickName: 'Robert',
        profileImage: 'https://img.example.com/robert.png',
      });
      await chat.member(room.id, robert);
      const view = await owner.api.get<RoomView>(`/v1/api/rooms/${room.id}`);
      expect(view.body.users[bob.uid]).toMatchObject({
        nickName: 'Robert',
        profileImage: 'https://img.example.com/robert.png',
      });
      await expectEventually(async () => expect(await names()).toEqual(['Owner', 'Robert']));
      // Joining again is not entering again: still one ENTER line for him.
      const enters = (await historyOf(owner.api, room.id)).filter(
        (line) => line.type === 'ENTER' && line.sender.uid === bob.uid,
      );
      expect(enters).toHaveLength(1);
    });

    it('leave refused (not a member) changes nobody’s presence', async () => {
      const { room, inbox } = await watchedRoom(chat);
      const bob = await chat.user({ nickName: 'Bob' });
      const { client } = await chat.member(room.id, bob);
      const stranger = await chat.user();
      const otherRoom = await chat.createRoom(stranger);

      const refused = await bob.api.put<ErrorBody>('/v1/api/rooms/leave', { roomId: otherRoom.id });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('not-a-member');
      // A marker after the refusal: bob's own leave of the room he is in is the first disconnect.
      expect((await bob.api.put('/v1/api/rooms/leave', { roomId: room.id })).status).toBe(200);
      await expectEventually(() =>
        expect(disconnectsOf(bob.uid)).toEqual([expect.objectContaining({ roomId: room.id })]),
      );
      expect(client.isClosed).toBe(false);
      expect(statesOf(inbox, bob.uid)).toEqual(['on']);
    });

    it('exiting for good ends the presence of every session of the member; joining again counts again', async () => {
      const { room, inbox } = await watchedRoom(chat);
      const bob = await chat.user({ nickName: 'Bob' });
      const { client, view } = await openRoomView(bob, room.id);
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on']));
      const [deviceId] = deviceIdsOf(bob.uid);

      expect((await bob.api.post(`/v1/api/rooms/exit/${room.id}`)).status).toBe(200);
      await expectEventually(() =>
        expect(disconnectsOf(bob.uid)).toEqual([{ roomId: room.id, uid: bob.uid, deviceId }]),
      );
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));

      await unsubscribe(client, view); // the session had already stopped counting: nothing more to end
      await client.send('/chat/pub/join', { roomId: room.id });
      await expectEventually(() => expect(connectsOf(bob.uid)).toHaveLength(3)); // join, subscribe, join again
      expect(disconnectsOf(bob.uid)).toHaveLength(1);
      await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off', 'on']));
    });

    it('hands each new line to the push service once, naming the members who are off, never the sender', async () => {
      const notifications: NotificationEvent[] = [];
      const watching = await sharedInMemoryEventBus().subscribe(
        'chat.notifications',
        `test-push-${randomUUID()}`,
        async (event) => void notifications.push(event),
      );
      try {
        const { owner, room, watcher, inbox } = await watchedRoom(chat);
        const bob = await chat.user({ nickName: 'Bob' }); // joins, then closes the app: off
        const away = await chat.member(room.id, bob);
        await away.client.disconnect();
        await expectEventually(() => expect(disconnectsOf(bob.uid)).toHaveLength(1));
        passTheGrace();
        await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));
        const carol = await chat.user({ nickName: 'Carol' }); // has the room open: on
        const here = await chat.member(room.id, carol);
        await here.client.subscribe(topic(room.id));
        await expectEventually(() => expect(statesOf(inbox, carol.uid)).toEqual(['on']));

        await watcher.send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: 'push-1',
          content: 'x'.repeat(150),
        });
        await watcher.send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: 'push-1',
          content: 'x'.repeat(150),
        }); // a resend
        await expectEventually(() => expect(notifications).toHaveLength(1));
        const [line] = (await historyOf(owner.api, room.id)).filter((message) => message.type === 'TALK');
        expect(notifications[0].payload).toEqual({
          roomId: room.id,
          messageId: line.messageId,
          sender: { uid: owner.uid, nickName: owner.nickName },
          preview: 'x'.repeat(100),
          recipients: [bob.uid],
          createdAt: line.createdAt,
        });
        // Bob is still off for Carol's line; once he is back, a line gets no event (nobody off).
        await here.client.send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: 'push-2',
          content: 'hi',
        });
        await chat.member(room.id, bob); // bob is back: on
        await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off', 'on']));
        await here.client.send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: 'push-3',
          content: 'all here',
        });
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(notifications.map((event) => event.payload.recipients)).toEqual([[bob.uid], [bob.uid]]);
      } finally {
        await watching.close();
      }
    });

    it('a leave or exit served by another instance ends the presence of the member’s sessions here', async () => {
      const { room } = await watchedRoom(chat);
      const other = await chat.startAnother();
      try {
        const bob = await chat.user({ nickName: 'Bob' }); // his REST calls go to the first instance
        const joinedOnly = await other.connect(bob); // his sessions live on the other one
        await joinedOnly.send('/chat/pub/join', { roomId: room.id });
        await expectEventually(() => expect(deviceIdsOf(bob.uid)).toHaveLength(1));
        const [joinedId] = deviceIdsOf(bob.uid);

        expect((await bob.api.put('/v1/api/rooms/leave', { roomId: room.id })).status).toBe(200);
        await expectEventually(() =>
          expect(disconnectsOf(bob.uid)).toEqual([{ roomId: room.id, uid: bob.uid, deviceId: joinedId }]),
        );

        const viewer = await other.connect(bob);
        await viewer.send('/chat/pub/join', { roomId: room.id });
        await viewer.subscribe(topic(room.id));
        await expectEventually(() => expect(deviceIdsOf(bob.uid)).toHaveLength(2));
        const viewerId = deviceIdsOf(bob.uid)[1];
        expect((await bob.api.post(`/v1/api/rooms/exit/${room.id}`)).status).toBe(200);
        await expectEventually(() =>
          expect(disconnectsOf(bob.uid).map((event) => event.deviceId)).toEqual(
            expect.arrayContaining([joinedId, viewerId]),
          ),
        );
      } finally {
        await other.close({ keepData: true });
      }
    });
  },
);

describe('heart-beats keep a connected member on past the TTL', () => {
  const clock = new ManualClock('2026-05-02T10:00:00.000Z');
  const devices = watchDevices();
  let chat: TestChatServer;

  beforeAll(async () => {
    await devices.start();
    chat = await TestChatServer.start(
      { CHAT_PRESENCE_HEARTBEAT_MS: '50' },
      { clock, presence: presenceEnv() },
    );
  });
  afterAll(async () => {
    await chat?.close();
    await devices.stop();
  });

  it('sends one heart-beat per user with their sessions and rooms, and the member stays on', async () => {
    const owner = await chat.user({ nickName: 'Owner' });
    const room = await chat.createRoom(owner);
    const inbox = await (await chat.connect(owner)).subscribe(`/chat/topic/room/${room.id}`);
    const bob = await chat.user({ nickName: 'Bob' });
    await chat.member(room.id, bob);
    await chat.member(room.id, bob);
    await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on']));
    const bobsDevices = ofType(devices.events, 'presence.device-connected', bob.uid).map(
      (event) => event.payload.deviceId,
    );

    // Five steps of a third of the TTL: 100 s in all, each followed by fresh heart-beats.
    for (let step = 0; step < 5; step++) {
      clock.advance((TTL_SECONDS / 3) * 1000);
      const seen = ofType(devices.events, 'presence.devices-heartbeat', bob.uid).length;
      await expectEventually(() =>
        expect(ofType(devices.events, 'presence.devices-heartbeat', bob.uid).length).toBeGreaterThan(
          seen + 1,
        ),
      );
      expect(await listed(chat.presenceApi(owner), room.id, 'on')).toEqual([bob.uid, owner.uid]);
    }
    const last = ofType(devices.events, 'presence.devices-heartbeat', bob.uid).at(-1)!;
    expect(last.payload.uid).toBe(bob.uid);
    expect([...last.payload.deviceIds].sort()).toEqual([...bobsDevices].sort());
    expect(last.payload.roomIds).toEqual([room.id]);
    expect(statesOf(inbox, bob.uid)).toEqual(['on']);
  });
});

describe('heart-beats go out in batches', () => {
  const devices = watchDevices();
  let chat: TestChatServer;

  beforeAll(async () => {
    await devices.start();
    chat = await TestChatServer.start(
      { CHAT_PRESENCE_HEARTBEAT_MS: '200', CHAT_MAX_CONNECTIONS_PER_ADDRESS: '1000' },
      { presence: presenceEnv() },
    );
  });
  afterAll(async () => {
    await chat?.close();
    await devices.stop();
  });

  it('still reaches every user when an instance holds more users than one batch (450: 200 + 200 + 50)', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    await chat.member(room.id, owner); // a heart-beat covers users with a live session here
    const uids = [owner.uid];
    for (let i = 0; i < 449; i += 50) {
      const members = await Promise.all(
        Array.from({ length: Math.min(50, 449 - i) }, () => chat.member(room.id)),
      );
      uids.push(...members.map((member) => member.user.uid));
    }
    expect(new Set(uids).size).toBe(450);
    const since = devices.events.length;
    await expectEventually(
      () => {
        const beaten = new Set(
          devices.events
            .slice(since)
            .filter((event) => event.type === 'presence.devices-heartbeat')
            .map((event) => event.payload.uid),
        );
        expect(uids.filter((uid) => !beaten.has(uid))).toEqual([]);
      },
      { timeoutMs: 15_000 },
    );
  });
});

describe.each<PresenceLookupKind>(['http', 'in-process'])(
  'idle clean-up asks the presence server who is on (lookup %s)',
  (presenceLookup) => {
    const clock = new ManualClock('2026-05-03T10:00:00.000Z');
    const devices = watchDevices();
    let chat: TestChatServer;

    beforeAll(async () => {
      await devices.start();
      chat = await TestChatServer.start(
        { ...NO_HEARTBEATS, CHAT_HOUSEKEEPING_INTERVAL_MS: '20', ROOM_IDLE_MINUTES: '60' },
        // Devices outlive the idle hour here, so only connects and disconnects decide.
        {
          clock,
          presence: presenceEnv({ PRESENCE_DEVICE_TTL_SECONDS: String(DAY_MS / 1000) }),
          presenceLookup,
        },
      );
    });
    afterAll(async () => {
      await chat?.close();
      await devices.stop();
    });

    it('keeps a room open while a member is on without watching it here, and closes it once nobody is', async () => {
      const owner = await chat.user();
      const busy = await chat.createRoom(owner);
      const quiet = await chat.createRoom(await chat.user());
      const bob = await chat.user({ nickName: 'Bob' });
      const { client } = await chat.member(busy.id, bob); // joined, subscribed to nothing
      await expectEventually(async () =>
        expect(await listed(chat.presenceApi(owner), busy.id, 'on')).toEqual([bob.uid]),
      );

      clock.advance(61 * 60_000);
      await expectEventually(async () =>
        expect((await owner.api.get(`/v1/api/rooms/${quiet.id}`)).status).toBe(404),
      );
      expect((await owner.api.get(`/v1/api/rooms/${busy.id}`)).status).toBe(200);

      await client.disconnect();
      await expectEventually(() =>
        expect(ofType(devices.events, 'presence.device-disconnected', bob.uid)).toHaveLength(1),
      );
      // Being on was activity: the room closes an hour after the last pass that saw Bob on.
      clock.advance((GRACE_SECONDS + 1) * 1000 + 61 * 60_000);
      await expectEventually(async () =>
        expect((await owner.api.get(`/v1/api/rooms/${busy.id}`)).status).toBe(404),
      );
    });
  },
);

describe('when the presence server cannot be asked', () => {
  const clock = new ManualClock('2026-05-04T10:00:00.000Z');
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start(
      {
        ...NO_HEARTBEATS,
        CHAT_HOUSEKEEPING_INTERVAL_MS: '20',
        ROOM_IDLE_MINUTES: '60',
        CHAT_PRESENCE_TIMEOUT_MS: '300',
      },
      { clock, presence: presenceEnv() },
    );
  });
  afterAll(() => chat?.close());

  it('keeps what it last heard, lets members it knows nothing of chat, and closes no room on a guess', async () => {
    const owner = await chat.user({ nickName: 'Owner' });
    const room = await chat.createRoom(owner);
    const watcher = await chat.connect(owner);
    const inbox = await watcher.subscribe(`/chat/topic/room/${room.id}`);
    const quiet = await chat.createRoom(await chat.user());
    const bob = await chat.user({ nickName: 'Bob' });
    await chat.member(room.id, bob);
    await chat.presenceApi(bob).patch('/api/v1/presence/off', { roomId: room.id });
    await expectEventually(() => expect(statesOf(inbox, bob.uid)).toEqual(['on', 'off']));

    await chat.presenceServer!.close(); // deregistered: no instance left to ask

    const bobAgain = await joinWithEvents(chat, bob, room.id);
    expect(presenceStatuses(bobAgain.personal)).toEqual([
      expect.objectContaining({ mayChat: false, source: 'last-known' }),
    ]);
    await expectRefused(
      bobAgain.client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'b', content: 'x' }),
      'presence-off',
    );
    const carol = await chat.user({ nickName: 'Carol' });
    const carolJoined = await joinWithEvents(chat, carol, room.id);
    expect(presenceStatuses(carolJoined.personal)).toEqual([
      expect.objectContaining({ mayChat: true, source: 'assumed' }),
    ]);
    await carolJoined.client.send('/chat/pub/send', {
      roomId: room.id,
      clientMessageId: 'c',
      content: 'still chatting',
    });
    await expectEventually(() =>
      expect(inbox.ofType('TALK').map((line) => line.content)).toEqual(['still chatting']),
    );

    // Housekeeping passes never overlap and purge before they close rooms: two purges of lines
    // older than the retention mean a whole pass ran with the quiet room idle for far over an hour.
    for (const id of ['old-1', 'old-2']) {
      await watcher.send('/chat/pub/send', { roomId: room.id, clientMessageId: id, content: id });
      clock.advance(185 * DAY_MS); // past MESSAGE_RETENTION_DAYS (184)
      await expectEventually(async () =>
        expect((await historyOf(owner.api, room.id)).map((line) => line.clientMessageId)).not.toContain(id),
      );
    }
    expect((await owner.api.get(`/v1/api/rooms/${quiet.id}`)).status).toBe(200);
  });
});

describe('PRESENCE_INTERNAL_TOKEN set for both servers', () => {
  const token = `internal-${randomUUID()}`;
  let chat: TestChatServer;

  beforeAll(async () => {
    // One variable, read by both: the presence server checks it, the chat server sends it.
    chat = await TestChatServer.start(
      { ...NO_HEARTBEATS, PRESENCE_INTERNAL_TOKEN: token },
      { presence: presenceEnv() },
    );
  });
  afterAll(() => chat?.close());

  it('the chat server’s lookups carry it and work; a request without it (or with another) is refused', async () => {
    const owner = await chat.user({ nickName: 'Owner' });
    const room = await chat.createRoom(owner);
    const bob = await chat.user({ nickName: 'Bob' });
    await chat.member(room.id, bob);
    const off = await chat.presenceApi(bob).patch('/api/v1/presence/off', { roomId: room.id });
    expect(off.body).toMatchObject({ mayChat: false, changed: true });

    // A new instance has heard nothing: only a lookup can tell it that Bob appears offline.
    const late = await chat.startAnother();
    try {
      const joined = await joinWithEvents(late, bob, room.id);
      expect(presenceStatuses(joined.personal)).toEqual([
        expect.objectContaining({ roomId: room.id, mayChat: false, source: 'presence-server' }),
      ]);
    } finally {
      await late.close();
    }

    const internal = `${chat.presenceServer!.url}/internal/v1/presence/${room.id}/members/${bob.uid}`;
    const without = await fetch(internal);
    expect(without.status).toBe(401);
    expect(await without.json()).toMatchObject({ code: 'internal-only' });
    const withToken = await fetch(internal, { headers: { 'x-internal-token': token } });
    expect(withToken.status).toBe(200);
    expect(await withToken.json()).toMatchObject({ uid: bob.uid, mayChat: false });

    // An instance with another token is refused too: it falls back as when nobody answers.
    const mistaken = await chat.startAnother({ PRESENCE_INTERNAL_TOKEN: 'not-the-token-both-servers-share' });
    try {
      const joined = await joinWithEvents(mistaken, bob, room.id);
      expect(presenceStatuses(joined.personal)).toEqual([
        expect.objectContaining({ roomId: room.id, mayChat: true, source: 'assumed' }),
      ]);
    } finally {
      await mistaken.close();
    }
  });
});

describe('a chat server without a presence server (CHAT_PRESENCE=none)', () => {
  const devices = watchDevices();
  let chat: TestChatServer;

  beforeAll(async () => {
    await devices.start();
    chat = await TestChatServer.start({ CHAT_PRESENCE: 'none' });
  });
  afterAll(async () => {
    await chat?.close();
    await devices.stop();
  });

  it('lets every member chat, says so on join, and publishes no device events', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const bob = await chat.user();
    const { client, personal } = await joinWithEvents(chat, bob, room.id);
    expect(presenceStatuses(personal)).toEqual([
      expect.objectContaining({ roomId: room.id, mayChat: true, source: 'no-presence' }),
    ]);
    await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'n', content: 'fine' });
    expect((await historyOf(owner.api, room.id)).map((line) => line.content)).toContain('fine');
    expect(ofType(devices.events, 'presence.device-connected', bob.uid)).toEqual([]);
  });

  it('refuses an unknown CHAT_PRESENCE, naming it', async () => {
    const error = await startChatServer({ CHAT_PRESENCE: 'maybe', DATA_DIR: freshDataDir() }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('CHAT_PRESENCE');
  });
});

describe('when the presence server in this process fails or does not answer', () => {
  const down = () => Promise.reject(new Error('presence store is down'));
  const never = () => new Promise<never>(() => {});
  const failing: PresenceQueries = { status: down, members: down, summary: down };
  const silent: PresenceQueries = { status: never, members: never, summary: never };

  it.each([
    ['fails', failing],
    ['never answers', silent],
  ])(
    'when it %s, a join goes through as assumed (may chat) within CHAT_PRESENCE_TIMEOUT_MS',
    async (_, service) => {
      const chat = await TestChatServer.start(
        { ...NO_HEARTBEATS, CHAT_PRESENCE: 'server', CHAT_PRESENCE_TIMEOUT_MS: '200' },
        { presenceService: service },
      );
      try {
        const room = await chat.createRoom(await chat.user({ nickName: 'Owner' }));
        const bob = await chat.user({ nickName: 'Bob' });
        const { client, personal } = await joinWithEvents(chat, bob, room.id);
        expect(presenceStatuses(personal)).toEqual([
          expect.objectContaining({ roomId: room.id, mayChat: true, source: 'assumed' }),
        ]);
        await client.send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: 'b-1',
          content: 'still here',
        });
        expect((await historyOf(bob.api, room.id)).map((line) => line.content)).toContain('still here');
      } finally {
        await chat.close();
      }
    },
  );
});

describe('when the presence server loses its state (a room’s keys evicted, or its Redis back empty)', () => {
  const clock = new ManualClock('2026-05-06T10:00:00.000Z');
  const devices = watchDevices();
  let redis: TestRedis;
  let admin: Redis;
  let chat: TestChatServer;
  let other: TestChatServer;

  beforeAll(async () => {
    await devices.start();
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    chat = await TestChatServer.start(
      { ...NO_HEARTBEATS, CHAT_HOUSEKEEPING_INTERVAL_MS: '20', ROOM_IDLE_MINUTES: '60' },
      {
        clock,
        // Devices outlive the idle hour here, so only connects and disconnects decide.
        presence: presenceEnv({
          PRESENCE_STORE: 'redis',
          REDIS_URL: redis.url,
          PRESENCE_DEVICE_TTL_SECONDS: String(DAY_MS / 1000),
        }),
      },
    );
    other = await chat.startAnother();
  });
  afterAll(async () => {
    await other?.close();
    await chat?.close();
    admin?.disconnect();
    await redis?.stop();
    await devices.stop();
  });

  const status = async (api: Api, roomId: string) => (await api.get(`/api/v1/presence/${roomId}/on`)).status;

  /** What an eviction (maxmemory) does to one room: its keys go, the store's other state stays. */
  async function evict(roomId: string): Promise<void> {
    const keys = await admin.keys(`presence:room:*:${roomId}*`);
    expect(keys.length).toBeGreaterThan(0);
    await admin.del(...keys);
  }

  it('a join tells it the room again: every member, and who is on on every instance', async () => {
    const { owner, room, lists } = await watchedRoom(chat);
    const carol = await other.user({ nickName: 'Carol' });
    const { client: carolClient } = await other.member(room.id, carol);
    await carolClient.subscribe(`/chat/topic/room/${room.id}`); // on, through the other instance
    const dave = await chat.user({ nickName: 'Dave' });
    const { client: daveClient } = await chat.member(room.id, dave);
    await daveClient.disconnect();
    await expectEventually(() =>
      expect(ofType(devices.events, 'presence.device-disconnected', dave.uid)).toHaveLength(1),
    );
    clock.advance((GRACE_SECONDS + 1) * 1000);
    await expectEventually(async () => expect(await listed(lists, room.id, 'off')).toEqual([dave.uid]));
    expect(await listed(lists, room.id, 'on')).toEqual([carol.uid, owner.uid]);

    await evict(room.id);
    expect(await status(lists, room.id)).toBe(404);

    // A client reconnecting after the loss joins again, as the web client does.
    const bob = await chat.user({ nickName: 'Bob' });
    await chat.member(room.id, bob);
    await expectEventually(async () =>
      expect(await listed(lists, room.id, 'on')).toEqual([bob.uid, carol.uid, owner.uid]),
    );
    expect(await listed(lists, room.id, 'off')).toEqual([dave.uid]);
  });

  it('a room lost again soon after it was told again is told again at once', async () => {
    const { owner, room, lists } = await watchedRoom(chat);
    await evict(room.id);
    await chat.member(room.id, await chat.user({ nickName: 'Bob' })); // told again
    await expectEventually(async () => expect(await listed(lists, room.id, 'on')).toContain(owner.uid));
    await chat.member(room.id, await chat.user({ nickName: 'Cy' })); // its lookup finds the room known

    // Lost again, within the resync throttle (the clock stands still): the next join tells it again.
    await evict(room.id);
    const dee = await chat.user({ nickName: 'Dee' });
    await chat.member(room.id, dee);
    await expectEventually(async () => expect(await listed(lists, room.id, 'on')).toContain(dee.uid));
  });

  it('idle clean-up closes no room it cannot see into, and tells the room again', async () => {
    const owner = await chat.user({ nickName: 'Owner' });
    const room = await chat.createRoom(owner);
    const bob = await chat.user({ nickName: 'Bob' });
    const { client } = await chat.member(room.id, bob); // joined, subscribed to nothing
    const lists = chat.presenceApi(bob);
    await expectEventually(async () => expect(await listed(lists, room.id, 'on')).toEqual([bob.uid]));

    await evict(room.id);
    clock.advance(61 * 60_000);
    // Without a join, the clean-up pass alone brings the room back to the presence server.
    await expectEventually(async () => expect(await listed(lists, room.id, 'on')).toEqual([bob.uid]));
    expect(await listed(lists, room.id, 'off')).toEqual([owner.uid]);
    expect((await owner.api.get(`/v1/api/rooms/${room.id}`)).status).toBe(200);

    // Once it can see again, the clean-up closes the room when nobody is on.
    await client.disconnect();
    await expectEventually(() =>
      expect(ofType(devices.events, 'presence.device-disconnected', bob.uid)).toHaveLength(1),
    );
    // Being on was activity: the room closes an hour after the last pass that saw Bob on.
    clock.advance((GRACE_SECONDS + 1) * 1000 + 61 * 60_000);
    await expectEventually(async () =>
      expect((await owner.api.get(`/v1/api/rooms/${room.id}`)).status).toBe(404),
    );
  });

  it('a Redis back empty just after a room was told again still has it told again', async () => {
    const { owner, room, lists } = await watchedRoom(chat);
    await evict(room.id);
    const bob = await chat.user({ nickName: 'Bob' });
    await chat.member(room.id, bob); // the join finds the room unknown: it is told again
    const both = [bob.uid, owner.uid].sort();
    await expectEventually(async () => expect((await listed(lists, room.id, 'on')).sort()).toEqual(both));

    // Within the resync throttle (the clock stands still): what was told is gone with the data.
    await admin.flushall();
    await expectEventually(async () => expect((await listed(lists, room.id, 'on')).sort()).toEqual(both));
  });

  it('a Redis back empty makes every instance tell the rooms its sessions are in, and forget the choices it heard', async () => {
    const { owner, room, watcher, inbox, lists } = await watchedRoom(chat);
    await watcher.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'l1', content: 'a line' });
    const dave = await other.user({ nickName: 'Dave' });
    const daveClient = await other.connect(dave);
    await daveClient.send('/chat/pub/join', { roomId: room.id });
    await daveClient.subscribe(`/chat/topic/room/${room.id}`); // on, through the other instance only
    // Carol: a member connected to the other instance, in no room view there, who chose to appear offline.
    const carol = await other.user({ nickName: 'Carol' });
    await (await other.member(room.id, carol)).client.disconnect();
    const carolClient = await other.connect(carol);
    await chat.presenceApi(carol).patch('/api/v1/presence/off', { roomId: room.id });
    await expectEventually(() => expect(statesOf(inbox, carol.uid).at(-1)).toBe('off'));
    clock.advance((GRACE_SECONDS + 1) * 1000);
    await expectEventually(async () =>
      expect(await listed(lists, room.id, 'on')).toEqual([dave.uid, owner.uid]),
    );

    // Nobody joins or leaves, and the room has lines: idle clean-up does not ask about it.
    await admin.flushall();
    await expectEventually(async () =>
      expect(await listed(lists, room.id, 'on')).toEqual([dave.uid, owner.uid]),
    );
    expect(await listed(lists, room.id, 'off')).toEqual([carol.uid]);
    // Her choice went with the data, so no event says so: the instance she is on forgot what it heard.
    await carolClient.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'c2', content: 'back' });
  });
});
