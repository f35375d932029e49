import { randomUUID } from 'node:crypto';
import { expectEventually } from '@playlist-chat/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEVICE_TTL_SECONDS,
  events,
  presenceApi,
  checkConnectedMembersGauge,
  startPresenceHarness,
  type PresenceHarness,
} from './support/presence-harness';

const TTL_MS = DEVICE_TTL_SECONDS * 1000;

describe('presence server over HTTP (memory store, in-process bus)', () => {
  let harness: PresenceHarness;
  let api: ReturnType<typeof presenceApi>;

  beforeAll(async () => {
    harness = await startPresenceHarness();
    api = presenceApi(harness.server.url);
  });
  afterAll(async () => {
    await harness?.close();
  });

  const announcedIn = (roomId: string) => harness.announced.filter((change) => change.roomId === roomId);

  /** A room with alice (owner), bob and carol on its roster, seen by the presence server; tokens for each. */
  async function room() {
    const roomId = randomUUID();
    await harness.roomEvent(events.opened(roomId, 'alice', 'Alice'));
    await harness.roomEvent(events.joined(roomId, 'bob', 'Bob'));
    await harness.roomEvent(events.joined(roomId, 'carol', 'Carol'));
    const tokens = {
      alice: await harness.tokenFor('alice', { nickName: 'Alice' }),
      bob: await harness.tokenFor('bob', { nickName: 'Bob' }),
      carol: await harness.tokenFor('carol', { nickName: 'Carol' }),
      mallory: await harness.tokenFor('mallory'),
    };
    await expectEventually(async () =>
      expect(await api.uids(roomId, 'off', tokens.alice)).toEqual(['alice', 'bob', 'carol']),
    );
    return { roomId, tokens };
  }

  describe('lists follow the chat server’s device events', () => {
    it('puts a member on with a connect and off with the disconnect, and announces both', async () => {
      const { roomId, tokens } = await room();
      await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'bob-phone'));
      await expectEventually(async () => expect(await api.uids(roomId, 'on', tokens.alice)).toEqual(['bob']));
      expect(await api.uids(roomId, 'off', tokens.alice)).toEqual(['alice', 'carol']);

      const on = await api.list(roomId, 'on', tokens.carol);
      expect(on).toEqual({
        status: 200,
        body: { roomId, state: 'on', count: 1, members: [{ uid: 'bob', nickName: 'Bob' }] },
      });

      await harness.deviceEvent(roomId, events.disconnected(roomId, 'bob', 'bob-phone'));
      await expectEventually(async () => expect(await api.uids(roomId, 'on', tokens.alice)).toEqual([]));
      expect(announcedIn(roomId)).toEqual([
        { roomId, uid: 'bob', nickName: 'Bob', state: 'on', mayChat: true, cause: 'device' },
        { roomId, uid: 'bob', nickName: 'Bob', state: 'off', mayChat: true, cause: 'device' },
      ]);
    });

    it('keeps a member on while any of their devices is connected', async () => {
      const { roomId, tokens } = await room();
      await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'phone'));
      await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'laptop'));
      await harness.deviceEvent(roomId, events.disconnected(roomId, 'bob', 'phone'));
      // Per-room order: once carol is on, every earlier event of this room was handled.
      await harness.deviceEvent(roomId, events.connected(roomId, 'carol', 'carol-1'));
      await expectEventually(async () =>
        expect(await api.uids(roomId, 'on', tokens.alice)).toEqual(['bob', 'carol']),
      );

      await harness.deviceEvent(roomId, events.disconnected(roomId, 'bob', 'laptop'));
      await expectEventually(async () =>
        expect(await api.uids(roomId, 'on', tokens.alice)).toEqual(['carol']),
      );
      expect(
        announcedIn(roomId)
          .filter((change) => change.uid === 'bob')
          .map((change) => change.state),
      ).toEqual(['on', 'off']);
    });

    it('announces a change once when the bus delivers an event twice', async () => {
      const { roomId, tokens } = await room();
      const connect = events.connected(roomId, 'bob', 'phone');
      await harness.deviceEvent(roomId, connect);
      await harness.deviceEvent(roomId, connect);
      await harness.deviceEvent(roomId, events.connected(roomId, 'carol', 'carol-1'));
      await expectEventually(async () =>
        expect(await api.uids(roomId, 'on', tokens.alice)).toEqual(['bob', 'carol']),
      );
      expect(announcedIn(roomId).map((change) => change.uid)).toEqual(['bob', 'carol']);
    });

    it('counts a device that arrived before its member’s join event', async () => {
      const roomId = randomUUID();
      await harness.roomEvent(events.opened(roomId, 'alice'));
      await harness.deviceEvent(roomId, events.connected(roomId, 'dave', 'dave-1'));
      await harness.roomEvent(events.joined(roomId, 'dave', 'Dave'));
      const token = await harness.tokenFor('alice');
      await expectEventually(async () => expect(await api.uids(roomId, 'on', token)).toEqual(['dave']));
      expect(announcedIn(roomId)).toEqual([
        { roomId, uid: 'dave', nickName: 'Dave', state: 'on', mayChat: true, cause: 'membership' },
      ]);
    });

    it('drops a member who exits and forgets a closed room', async () => {
      const { roomId, tokens } = await room();
      await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'phone'));
      await expectEventually(async () => expect(await api.uids(roomId, 'on', tokens.alice)).toEqual(['bob']));
      await harness.roomEvent(events.exited(roomId, 'bob'));
      await expectEventually(async () => expect(await api.uids(roomId, 'on', tokens.alice)).toEqual([]));
      expect(await api.uids(roomId, 'off', tokens.alice)).toEqual(['alice', 'carol']);
      expect(announcedIn(roomId).at(-1)).toEqual({
        roomId,
        uid: 'bob',
        nickName: 'Bob',
        state: 'off',
        mayChat: false,
        cause: 'membership',
      });
      expect((await api.list(roomId, 'on', tokens.bob)).status).toBe(403);

      await harness.roomEvent(events.closed(roomId));
      await expectEventually(async () =>
        expect((await api.list(roomId, 'on', tokens.alice)).status).toBe(404),
      );
    });

    it('skips event versions it does not know and keeps handling the room', async () => {
      const { roomId, tokens } = await room();
      const future = { ...events.connected(roomId, 'bob', 'phone'), version: 2 } as unknown as Parameters<
        PresenceHarness['deviceEvent']
      >[1];
      await harness.deviceEvent(roomId, future);
      await harness.deviceEvent(roomId, events.connected(roomId, 'carol', 'carol-1'));
      await expectEventually(async () =>
        expect(await api.uids(roomId, 'on', tokens.alice)).toEqual(['carol']),
      );
    });
  });

  it('exposes presence_connected_members: memberships with a connected device', async () => {
    await checkConnectedMembersGauge(harness);
  });

  describe('heart-beat expiry (manual clock)', () => {
    it('drops a device that stops heart-beating after the TTL, while one that heart-beats stays', async () => {
      const { roomId, tokens } = await room();
      await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'bob-phone'));
      await harness.deviceEvent(roomId, events.connected(roomId, 'carol', 'carol-crashed'));
      await expectEventually(async () =>
        expect(await api.uids(roomId, 'on', tokens.alice)).toEqual(['bob', 'carol']),
      );

      harness.clock.advance(TTL_MS - 1000);
      // The heartbeat is keyed by uid, so it has no order with this room's events. An event with the same
      // key after it (bob connecting in another room) shows when it was applied.
      const markerRoom = randomUUID();
      await harness.roomEvent(events.opened(markerRoom, 'bob', 'Bob'));
      await harness.deviceEvent('bob', events.heartbeat('bob', ['bob-phone'], [roomId]));
      await harness.deviceEvent('bob', events.connected(markerRoom, 'bob', 'marker'));
      await expectEventually(() =>
        expect(announcedIn(markerRoom)).toMatchObject([{ uid: 'bob', state: 'on' }]),
      );

      // Carol's expiry and bob's survival come from the same sweep.
      harness.clock.advance(2000);
      await expectEventually(() =>
        expect(announcedIn(roomId).at(-1)).toEqual({
          roomId,
          uid: 'carol',
          nickName: 'Carol',
          state: 'off',
          mayChat: true,
          cause: 'expiry',
        }),
      );
      expect(await api.uids(roomId, 'on', tokens.alice)).toEqual(['bob']);

      harness.clock.advance(TTL_MS);
      await expectEventually(() =>
        expect(announcedIn(roomId).at(-1)).toEqual({
          roomId,
          uid: 'bob',
          nickName: 'Bob',
          state: 'off',
          mayChat: true,
          cause: 'expiry',
        }),
      );
      expect(await api.uids(roomId, 'on', tokens.alice)).toEqual([]);
    });
  });

  describe('PATCH on / off', () => {
    it('appears offline on PATCH off, on every device and across reconnects, until PATCH on', async () => {
      const { roomId, tokens } = await room();
      await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'phone'));
      await expectEventually(async () => expect(await api.uids(roomId, 'on', tokens.alice)).toEqual(['bob']));

      const off = await api.turn('off', tokens.bob, { roomId });
      expect(off).toEqual({
        status: 200,
        body: { roomId, uid: 'bob', nickName: 'Bob', state: 'off', mayChat: false, changed: true },
      });
      expect(await api.uids(roomId, 'on', tokens.alice)).toEqual([]);
      expect(await api.uids(roomId, 'off', tokens.alice)).toEqual(['alice', 'bob', 'carol']);
      await expectEventually(() =>
        expect(announcedIn(roomId).at(-1)).toEqual({
          roomId,
          uid: 'bob',
          nickName: 'Bob',
          state: 'off',
          mayChat: false,
          cause: 'manual',
        }),
      );
      expect((await api.member(roomId, 'bob')).body).toMatchObject({
        member: true,
        state: 'off',
        mayChat: false,
      });

      await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'laptop'));
      await harness.deviceEvent(roomId, events.connected(roomId, 'carol', 'carol-1'));
      await expectEventually(async () =>
        expect(await api.uids(roomId, 'on', tokens.alice)).toEqual(['carol']),
      );

      const again = await api.turn('off', tokens.bob, { roomId });
      expect(again.body).toMatchObject({ state: 'off', changed: false });

      const on = await api.turn('on', tokens.bob, { roomId });
      expect(on).toEqual({
        status: 200,
        body: { roomId, uid: 'bob', nickName: 'Bob', state: 'on', mayChat: true, changed: true },
      });
      expect(await api.uids(roomId, 'on', tokens.alice)).toEqual(['bob', 'carol']);
      await expectEventually(() =>
        expect(announcedIn(roomId).at(-1)).toEqual({
          roomId,
          uid: 'bob',
          nickName: 'Bob',
          state: 'on',
          mayChat: true,
          cause: 'manual',
        }),
      );
      expect(
        announcedIn(roomId)
          .filter((change) => change.uid === 'bob')
          .map((change) => `${change.state}/${change.cause}`),
      ).toEqual(['on/device', 'off/manual', 'on/manual']);
    });

    it('keeps a member with no chat connection on for one TTL after PATCH on', async () => {
      const { roomId, tokens } = await room();
      const on = await api.turn('on', tokens.carol, { roomId });
      expect(on.body).toMatchObject({ state: 'on', changed: true });
      expect(await api.uids(roomId, 'on', tokens.alice)).toEqual(['carol']);

      harness.clock.advance(TTL_MS);
      await expectEventually(() =>
        expect(announcedIn(roomId).at(-1)).toEqual({
          roomId,
          uid: 'carol',
          nickName: 'Carol',
          state: 'off',
          mayChat: true,
          cause: 'expiry',
        }),
      );
      expect(await api.uids(roomId, 'on', tokens.alice)).toEqual([]);
    });

    it('refuses non-members (403), unknown rooms (404) and bad bodies (400), and changes nothing', async () => {
      const { roomId, tokens } = await room();
      const before = announcedIn(roomId).length;

      const stranger = await api.turn('on', tokens.mallory, { roomId });
      expect(stranger).toEqual({
        status: 403,
        body: {
          statusCode: 403,
          error: 'Forbidden',
          code: 'not-a-member',
          message: 'you are not a member of this room',
        },
      });
      expect((await api.turn('off', tokens.mallory, { roomId })).status).toBe(403);

      const unknown = await api.turn('on', tokens.bob, { roomId: randomUUID() });
      expect(unknown).toEqual({
        status: 404,
        body: { statusCode: 404, error: 'Not Found', code: 'unknown-room', message: 'room not found' },
      });

      const missing = await api.turn('on', tokens.bob, {});
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({ statusCode: 400, code: 'invalid-payload' });
      expect(missing.body.errors).toContainEqual({ field: 'roomId', reason: 'roomId must be a string' });

      const wrongType = await api.turn('off', tokens.bob, { roomId: 42 });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.errors).toContainEqual({ field: 'roomId', reason: 'roomId must be a string' });

      const empty = await api.turn('off', tokens.bob, { roomId: '' });
      expect(empty.body.errors).toContainEqual({ field: 'roomId', reason: 'roomId should not be empty' });

      const extra = await api.turn('on', tokens.bob, { roomId, uid: 'alice' });
      expect(extra.status).toBe(400);
      expect(extra.body.errors).toContainEqual({ field: 'uid', reason: 'property uid should not exist' });

      const malformed = await api.call('PATCH', '/api/v1/presence/on', tokens.bob, undefined, '{"roomId": ');
      expect(malformed.status).toBe(400);

      // Nothing changed, and the server still serves.
      expect(await api.uids(roomId, 'off', tokens.alice)).toEqual(['alice', 'bob', 'carol']);
      expect((await api.member(roomId, 'bob')).body).toMatchObject({ state: 'off', mayChat: true });
      expect(announcedIn(roomId)).toHaveLength(before);
    });
  });

  describe('who may read and call', () => {
    it('answers the lists to members only: 401 without a valid token, 403 for others, 404 for unknown rooms', async () => {
      const { roomId, tokens } = await room();
      const anonymous = await api.list(roomId, 'on');
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.message).toBe('missing access token');

      const expired = await harness.tokenFor('alice', {
        issuedAt: new Date(Date.now() - 7200_000),
        ttlSeconds: 60,
      });
      expect((await api.list(roomId, 'on', expired)).body).toMatchObject({
        statusCode: 401,
        message: 'access token expired',
      });

      const [header, payload] = tokens.alice.split('.');
      const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
      expect((await api.list(roomId, 'off', forged)).body).toMatchObject({
        statusCode: 401,
        message: 'access token signature is invalid',
      });

      expect((await api.call('PATCH', '/api/v1/presence/on', undefined, { roomId })).status).toBe(401);

      expect((await api.list(roomId, 'on', tokens.mallory)).body).toMatchObject({
        statusCode: 403,
        code: 'not-a-member',
      });
      expect((await api.list(randomUUID(), 'off', tokens.alice)).body).toMatchObject({
        statusCode: 404,
        code: 'unknown-room',
      });

      const reader = await harness.tokenFor('dashboard', { scopes: ['presence:read'] });
      expect(await api.uids(roomId, 'off', reader)).toEqual(['alice', 'bob', 'carol']);
    });
  });

  describe('GET …/me: my own presence', () => {
    const mine = (roomId: string, token?: string) =>
      api.call('GET', `/api/v1/presence/${encodeURIComponent(roomId)}/me`, token);

    it('tells me my state and whether I may chat, as my choices change it', async () => {
      const { roomId, tokens } = await room();
      expect(await mine(roomId, tokens.bob)).toEqual({
        status: 200,
        body: { roomId, uid: 'bob', nickName: 'Bob', state: 'off', mayChat: true },
      });
      await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'phone'));
      await expectEventually(async () =>
        expect((await mine(roomId, tokens.bob)).body).toMatchObject({ state: 'on', mayChat: true }),
      );
      await api.turn('off', tokens.bob, { roomId });
      expect((await mine(roomId, tokens.bob)).body).toMatchObject({ state: 'off', mayChat: false });
      await api.turn('on', tokens.bob, { roomId });
      expect((await mine(roomId, tokens.bob)).body).toMatchObject({ state: 'on', mayChat: true });
    });

    it('is mine only: 401 without a token, 403 for a non-member, 404 for an unknown room', async () => {
      const { roomId, tokens } = await room();
      expect((await mine(roomId)).status).toBe(401);
      expect((await mine(roomId, tokens.mallory)).body).toMatchObject({
        statusCode: 403,
        code: 'not-a-member',
      });
      expect((await mine(randomUUID(), tokens.alice)).body).toMatchObject({
        statusCode: 404,
        code: 'unknown-room',
      });
      // Even a reader of every list learns nobody's choice from it: it is about the caller.
      const reader = await harness.tokenFor('dashboard', { scopes: ['presence:read'] });
      expect((await mine(roomId, reader)).status).toBe(403);
    });
  });

  describe('internal lookup for the chat server', () => {
    it('answers mayChat from the member’s own choice, whatever events are still in flight', async () => {
      const { roomId, tokens } = await room();
      expect(await api.member(roomId, 'bob')).toEqual({
        status: 200,
        body: {
          roomId,
          uid: 'bob',
          roomExists: true,
          rosterKnown: true,
          member: true,
          state: 'off',
          mayChat: true,
        },
      });
      // A joiner the presence server has not heard of yet may still chat; membership is the chat server's call.
      expect((await api.member(roomId, 'erin')).body).toEqual({
        roomId,
        uid: 'erin',
        roomExists: true,
        rosterKnown: true,
        member: false,
        state: 'off',
        mayChat: true,
      });
      expect((await api.member(randomUUID(), 'bob')).body).toMatchObject({
        roomExists: false,
        rosterKnown: false,
        member: false,
        mayChat: true,
      });

      await api.turn('off', tokens.bob, { roomId });
      expect((await api.member(roomId, 'bob')).body).toMatchObject({ member: true, mayChat: false });
    });

    it('says a room first heard of from a join may lack members, until the chat server resends its roster', async () => {
      // What a presence server that lost its state hears next: a join to a room it never saw opened.
      const roomId = randomUUID();
      await harness.roomEvent(events.joined(roomId, 'bob', 'Bob'));
      await expectEventually(async () =>
        expect(await api.summary(roomId)).toEqual({
          roomId,
          roomExists: true,
          rosterKnown: false,
          memberCount: 1,
          onCount: 0,
        }),
      );
      expect((await api.member(roomId, 'bob')).body).toMatchObject({ roomExists: true, rosterKnown: false });

      await harness.roomEvent(events.joined(roomId, 'alice', 'Alice'));
      await harness.roomEvent(events.rosterResent(roomId));
      await expectEventually(async () =>
        expect(await api.summary(roomId)).toMatchObject({ rosterKnown: true, memberCount: 2 }),
      );
      expect((await api.member(roomId, 'bob')).body).toMatchObject({ rosterKnown: true });
      expect(await api.summary(randomUUID())).toMatchObject({ roomExists: false, rosterKnown: false });
    });
  });
});
