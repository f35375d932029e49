import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type MemberPresence, type PresenceChange } from '../../src/presence/presence.model';
import type { PresenceStore, PresenceStoreOptions } from '../../src/presence/presence-store.port';

const TTL_MS = 60_000;
const T0 = new Date('2026-03-01T12:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

const alice = { uid: 'alice', nickName: 'Alice' };
const bob = { uid: 'bob', nickName: 'Bob' };

/** What a change says, without the room id every test already knows. */
const said = (changes: readonly PresenceChange[]) =>
  changes.map(({ uid, state, mayChat, cause }) => ({ uid, state, mayChat, cause }));
const stateOf = (list: readonly MemberPresence[] | null, uid: string) =>
  list?.find((member) => member.uid === uid)?.state;

/**
 * One suite for every PresenceStore adapter. `makeStore` returns a store that shares nothing
 * with stores made before (fresh memory, or a fresh key prefix on the shared Redis).
 */
export function presenceStoreContract(
  name: string,
  makeStore: (options: PresenceStoreOptions) => Promise<PresenceStore>,
): void {
  describe(`PresenceStore contract: ${name}`, () => {
    const opened: PresenceStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    async function storeWithRoom(
      ...members: { uid: string; nickName: string }[]
    ): Promise<{ store: PresenceStore; roomId: string }> {
      const store = await makeStore({ deviceTtlMs: TTL_MS });
      opened.push(store);
      const roomId = randomUUID();
      const [owner, ...others] = members.length > 0 ? members : [alice];
      await store.openRoom(roomId, owner, T0);
      for (const member of others) await store.addMember(roomId, member, T0);
      return { store, roomId };
    }

    describe('rooms and roster', () => {
      it('holds no state when new, until that was told (markHoldsState)', async () => {
        const store = await makeStore({ deviceTtlMs: TTL_MS });
        opened.push(store);
        expect(await store.holdsState()).toBe(false);
        await store.openRoom(randomUUID(), alice, T0); // data is not the mark: only telling the loss is
        expect(await store.holdsState()).toBe(false);
        await store.markHoldsState();
        expect(await store.holdsState()).toBe(true);
      });

      it('knows nothing about a room it never heard of', async () => {
        const store = await makeStore({ deviceTtlMs: TTL_MS });
        opened.push(store);
        expect(await store.roomExists('never-opened')).toBe(false);
        expect(await store.listStates('never-opened', T0)).toBeNull();
        expect(await store.rosterKnown('never-opened')).toBe(false);
        expect(await store.getMember('never-opened', 'alice', T0)).toEqual({
          roomExists: false,
          rosterKnown: false,
          member: null,
          appearOffline: false,
        });
      });

      it('opens a room with its owner off and allowed to chat, and reports nothing', async () => {
        const store = await makeStore({ deviceTtlMs: TTL_MS });
        opened.push(store);
        const roomId = randomUUID();
        expect(await store.openRoom(roomId, alice, T0)).toEqual([]);
        expect(await store.openRoom(roomId, alice, T0)).toEqual([]);
        expect(await store.roomExists(roomId)).toBe(true);
        expect(await store.rosterKnown(roomId)).toBe(true);
        expect(await store.listStates(roomId, T0)).toEqual([
          { uid: 'alice', nickName: 'Alice', state: 'off', mayChat: true },
        ]);
      });

      it('lists every member sorted by nickname, then uid', async () => {
        const { store, roomId } = await storeWithRoom(
          { uid: 'u3', nickName: 'Zed' },
          { uid: 'u2', nickName: 'Amy' },
          { uid: 'u1', nickName: 'Amy' },
          { uid: 'u4', nickName: 'Mia' },
        );
        const list = await store.listStates(roomId, T0);
        expect(list?.map((member) => `${member.nickName}/${member.uid}`)).toEqual([
          'Amy/u1',
          'Amy/u2',
          'Mia/u4',
          'Zed/u3',
        ]);
      });

      it('renames a member who joins again without reporting a change', async () => {
        const { store, roomId } = await storeWithRoom(alice);
        await store.connectDevice(roomId, 'alice', 'd1', T0);
        expect(await store.addMember(roomId, { uid: 'alice', nickName: 'Alice B.' }, T0)).toEqual([]);
        expect(await store.listStates(roomId, T0)).toEqual([
          { uid: 'alice', nickName: 'Alice B.', state: 'on', mayChat: true },
        ]);
      });

      it('opens the room on a join whose room-opened event was never seen', async () => {
        const store = await makeStore({ deviceTtlMs: TTL_MS });
        opened.push(store);
        const roomId = randomUUID();
        await store.addMember(roomId, bob, T0);
        expect(await store.roomExists(roomId)).toBe(true);
        expect(stateOf(await store.listStates(roomId, T0), 'bob')).toBe('off');
      });

      it('knows a room first heard of from a join only in part, until its roster is resent', async () => {
        const store = await makeStore({ deviceTtlMs: TTL_MS });
        opened.push(store);
        const roomId = randomUUID();
        await store.markRosterKnown(roomId); // an unknown room stays unknown
        expect(await store.roomExists(roomId)).toBe(false);

        await store.addMember(roomId, bob, T0);
        expect(await store.rosterKnown(roomId)).toBe(false);
        expect((await store.getMember(roomId, 'bob', T0)).rosterKnown).toBe(false);
        await store.addMember(roomId, alice, T0); // the resent roster
        await store.markRosterKnown(roomId);
        expect(await store.rosterKnown(roomId)).toBe(true);
        expect((await store.getMember(roomId, 'alice', T0)).rosterKnown).toBe(true);
        await store.addMember(roomId, { uid: 'carol', nickName: 'Carol' }, T0); // a later join keeps it whole
        expect(await store.rosterKnown(roomId)).toBe(true);

        await store.closeRoom(roomId);
        expect(await store.rosterKnown(roomId)).toBe(false);
      });

      it('reports a leaving member once as off and not allowed to chat, and forgets their choice', async () => {
        const { store, roomId } = await storeWithRoom(alice, bob);
        await store.connectDevice(roomId, 'bob', 'd1', T0);
        await store.turnOff(roomId, 'bob', T0);
        expect(said(await store.removeMember(roomId, 'bob', T0))).toEqual([
          { uid: 'bob', state: 'off', mayChat: false, cause: 'membership' },
        ]);
        expect(await store.removeMember(roomId, 'bob', T0)).toEqual([]);
        expect((await store.listStates(roomId, T0))?.map((member) => member.uid)).toEqual(['alice']);
        expect((await store.getMember(roomId, 'bob', T0)).member).toBeNull();

        // Back in the room: the old "appear offline" choice is gone; the still-connected device counts.
        expect(said(await store.addMember(roomId, bob, T0))).toEqual([
          { uid: 'bob', state: 'on', mayChat: true, cause: 'membership' },
        ]);
      });

      it('forgets a closed room entirely; opening it again starts empty', async () => {
        const { store, roomId } = await storeWithRoom(alice, bob);
        await store.connectDevice(roomId, 'bob', 'd1', T0);
        await store.turnOff(roomId, 'alice', T0);
        await store.closeRoom(roomId);
        expect(await store.roomExists(roomId)).toBe(false);
        expect(await store.listStates(roomId, T0)).toBeNull();
        expect((await store.expireDevices(at(TTL_MS), 100)).changes).toEqual([]);

        await store.openRoom(roomId, bob, at(1));
        expect(await store.listStates(roomId, at(1))).toEqual([
          { uid: 'bob', nickName: 'Bob', state: 'off', mayChat: true },
        ]);
      });

      it('keeps rooms apart', async () => {
        const { store, roomId } = await storeWithRoom(alice);
        const other = randomUUID();
        await store.openRoom(other, alice, T0);
        await store.connectDevice(roomId, 'alice', 'd1', T0);
        expect(stateOf(await store.listStates(roomId, T0), 'alice')).toBe('on');
        expect(stateOf(await store.listStates(other, T0), 'alice')).toBe('off');
      });
    });

    describe('devices', () => {
      it('turns a member on with their first device and reports it once', async () => {
        const { store, roomId } = await storeWithRoom(alice, bob);
        expect(said(await store.connectDevice(roomId, 'bob', 'd1', T0))).toEqual([
          { uid: 'bob', state: 'on', mayChat: true, cause: 'device' },
        ]);
        expect(await store.connectDevice(roomId, 'bob', 'd1', T0)).toEqual([]);
        expect(await store.listStates(roomId, T0)).toEqual([
          { uid: 'alice', nickName: 'Alice', state: 'off', mayChat: true },
          { uid: 'bob', nickName: 'Bob', state: 'on', mayChat: true },
        ]);
      });

      it('stays on while any device is connected and goes off with the last one', async () => {
        const { store, roomId } = await storeWithRoom(alice);
        await store.connectDevice(roomId, 'alice', 'phone', T0);
        expect(await store.connectDevice(roomId, 'alice', 'laptop', at(1))).toEqual([]);
        expect(await store.disconnectDevice(roomId, 'alice', 'phone', at(2))).toEqual([]);
        expect(stateOf(await store.listStates(roomId, at(2)), 'alice')).toBe('on');
        expect(said(await store.disconnectDevice(roomId, 'alice', 'laptop', at(3)))).toEqual([
          { uid: 'alice', state: 'off', mayChat: true, cause: 'device' },
        ]);
        expect(await store.disconnectDevice(roomId, 'alice', 'laptop', at(4))).toEqual([]);
        expect(stateOf(await store.listStates(roomId, at(4)), 'alice')).toBe('off');
      });

      it('keeps a device that arrives before its member and counts it once they join', async () => {
        const { store, roomId } = await storeWithRoom(alice);
        expect(await store.connectDevice(roomId, 'bob', 'd1', T0)).toEqual([]);
        expect(stateOf(await store.listStates(roomId, T0), 'bob')).toBeUndefined();
        expect(said(await store.addMember(roomId, bob, at(1)))).toEqual([
          { uid: 'bob', state: 'on', mayChat: true, cause: 'membership' },
        ]);
      });

      it('keeps devices that arrive before the room is opened', async () => {
        const store = await makeStore({ deviceTtlMs: TTL_MS });
        opened.push(store);
        const roomId = randomUUID();
        await store.connectDevice(roomId, 'alice', 'd1', T0);
        expect(await store.roomExists(roomId)).toBe(false);
        expect(said(await store.openRoom(roomId, alice, at(1)))).toEqual([
          { uid: 'alice', state: 'on', mayChat: true, cause: 'membership' },
        ]);
      });
    });

    describe('heart-beat expiry', () => {
      it('drops a device that stops heart-beating after the TTL, and reports it once', async () => {
        const { store, roomId } = await storeWithRoom(alice);
        await store.connectDevice(roomId, 'alice', 'd1', T0);
        expect(stateOf(await store.listStates(roomId, at(TTL_MS - 1)), 'alice')).toBe('on');
        expect((await store.expireDevices(at(TTL_MS - 1), 100)).changes).toEqual([]);

        expect(stateOf(await store.listStates(roomId, at(TTL_MS)), 'alice')).toBe('off');
        expect((await store.getMember(roomId, 'alice', at(TTL_MS))).member?.state).toBe('off');
        const swept = await store.expireDevices(at(TTL_MS), 100);
        expect(said(swept.changes)).toEqual([{ uid: 'alice', state: 'off', mayChat: true, cause: 'expiry' }]);
        expect((await store.expireDevices(at(TTL_MS + 1), 100)).changes).toEqual([]);
      });

      it('keeps a heart-beating device on', async () => {
        const { store, roomId } = await storeWithRoom(alice);
        await store.connectDevice(roomId, 'alice', 'd1', T0);
        expect(await store.refreshDevices('alice', ['d1'], [roomId], at(TTL_MS / 2))).toEqual([]);
        expect((await store.expireDevices(at(TTL_MS), 100)).changes).toEqual([]);
        expect(stateOf(await store.listStates(roomId, at(TTL_MS)), 'alice')).toBe('on');
        expect(said((await store.expireDevices(at(TTL_MS * 1.5), 100)).changes)).toEqual([
          { uid: 'alice', state: 'off', mayChat: true, cause: 'expiry' },
        ]);
      });

      it('counts a reconnect of a known device as a heart-beat', async () => {
        const { store, roomId } = await storeWithRoom(alice);
        await store.connectDevice(roomId, 'alice', 'd1', T0);
        await store.connectDevice(roomId, 'alice', 'd1', at(TTL_MS - 1));
        expect((await store.expireDevices(at(TTL_MS), 100)).changes).toEqual([]);
        expect(stateOf(await store.listStates(roomId, at(2 * TTL_MS - 2)), 'alice')).toBe('on');
      });

      it('refreshes only (device, room) pairs it knows: a heart-beat never connects or revives a device', async () => {
        const { store, roomId } = await storeWithRoom(alice, bob);
        const other = randomUUID();
        await store.openRoom(other, alice, T0);
        await store.connectDevice(roomId, 'alice', 'd1', T0);
        await store.connectDevice(roomId, 'bob', 'b1', T0);
        await store.disconnectDevice(roomId, 'bob', 'b1', at(1));

        expect(await store.refreshDevices('alice', ['d1', 'unknown'], [roomId, other], at(10))).toEqual([]);
        expect(await store.refreshDevices('bob', ['b1'], [roomId], at(10))).toEqual([]);
        expect(stateOf(await store.listStates(other, at(10)), 'alice')).toBe('off');
        expect(stateOf(await store.listStates(roomId, at(10)), 'bob')).toBe('off');
        expect(said((await store.expireDevices(at(TTL_MS + 10), 100)).changes)).toEqual([
          { uid: 'alice', state: 'off', mayChat: true, cause: 'expiry' },
        ]);
      });

      it('sweeps at most `limit` members per call, and the rest on the next', async () => {
        const members = ['m1', 'm2', 'm3'].map((uid) => ({ uid, nickName: uid.toUpperCase() }));
        const { store, roomId } = await storeWithRoom(...members);
        for (const { uid } of members) await store.connectDevice(roomId, uid, `${uid}-device`, T0);
        const first = await store.expireDevices(at(TTL_MS), 2);
        expect(first.members).toBe(2);
        const second = await store.expireDevices(at(TTL_MS), 2);
        expect(second.members).toBe(1);
        expect([...first.changes, ...second.changes].map((change) => change.uid).sort()).toEqual([
          'm1',
          'm2',
          'm3',
        ]);
        expect((await store.expireDevices(at(TTL_MS), 2)).members).toBe(0);
      });

      it('reports a lapsed device with the next change of that member when the sweep has not run yet', async () => {
        const { store, roomId } = await storeWithRoom(alice);
        await store.connectDevice(roomId, 'alice', 'd1', T0);
        // The old device lapsed unswept; a new one keeps the member on, so nothing changed for anyone watching.
        expect(await store.connectDevice(roomId, 'alice', 'd2', at(TTL_MS + 5))).toEqual([]);
        expect((await store.expireDevices(at(TTL_MS + 5), 100)).changes).toEqual([]);
        expect(stateOf(await store.listStates(roomId, at(TTL_MS + 5)), 'alice')).toBe('on');
      });
    });

    describe('reconnect grace', () => {
      const GRACE_MS = 5_000;

      async function graceRoom(): Promise<{ store: PresenceStore; roomId: string }> {
        const store = await makeStore({ deviceTtlMs: TTL_MS, disconnectGraceMs: GRACE_MS });
        opened.push(store);
        const roomId = randomUUID();
        await store.openRoom(roomId, alice, T0);
        return { store, roomId };
      }

      it('keeps a member on through a reconnect within the grace period, without a flicker', async () => {
        const { store, roomId } = await graceRoom();
        await store.connectDevice(roomId, 'alice', 'session-1', T0);
        expect(await store.disconnectDevice(roomId, 'alice', 'session-1', at(1))).toEqual([]);
        expect(stateOf(await store.listStates(roomId, at(2)), 'alice')).toBe('on');
        expect(await store.connectDevice(roomId, 'alice', 'session-2', at(GRACE_MS))).toEqual([]);
        expect((await store.expireDevices(at(GRACE_MS + 1), 100)).changes).toEqual([]);
        expect(stateOf(await store.listStates(roomId, at(GRACE_MS + 1)), 'alice')).toBe('on');
      });

      it('turns the member off once the grace period of their last device ends', async () => {
        const { store, roomId } = await graceRoom();
        await store.connectDevice(roomId, 'alice', 'session-1', T0);
        await store.disconnectDevice(roomId, 'alice', 'session-1', at(1));
        expect((await store.expireDevices(at(GRACE_MS), 100)).changes).toEqual([]);
        expect(stateOf(await store.listStates(roomId, at(GRACE_MS + 1)), 'alice')).toBe('off');
        expect(said((await store.expireDevices(at(GRACE_MS + 1), 100)).changes)).toEqual([
          { uid: 'alice', state: 'off', mayChat: true, cause: 'expiry' },
        ]);
      });

      it('never lets a heart-beat revive a disconnected device, nor extends its grace past its TTL', async () => {
        const { store, roomId } = await graceRoom();
        await store.connectDevice(roomId, 'alice', 'session-1', T0);
        await store.disconnectDevice(roomId, 'alice', 'session-1', at(TTL_MS - 10));
        await store.refreshDevices('alice', ['session-1'], [roomId], at(TTL_MS - 5));
        expect(said((await store.expireDevices(at(TTL_MS), 100)).changes)).toEqual([
          { uid: 'alice', state: 'off', mayChat: true, cause: 'expiry' },
        ]);
      });

      it('ignores the grace period for a device it never knew', async () => {
        const { store, roomId } = await graceRoom();
        expect(await store.disconnectDevice(roomId, 'alice', 'never-connected', T0)).toEqual([]);
        expect(stateOf(await store.listStates(roomId, T0), 'alice')).toBe('off');
      });
    });

    describe('own choice (PATCH on / off)', () => {
      it('appears offline on turnOff, even with connected devices, until turnOn', async () => {
        const { store, roomId } = await storeWithRoom(alice);
        await store.connectDevice(roomId, 'alice', 'd1', T0);

        const off = await store.turnOff(roomId, 'alice', at(1));
        expect(off.outcome === 'ok' && off.member).toEqual({
          uid: 'alice',
          nickName: 'Alice',
          state: 'off',
          mayChat: false,
        });
        expect(off.outcome === 'ok' && said(off.changes)).toEqual([
          { uid: 'alice', state: 'off', mayChat: false, cause: 'manual' },
        ]);
        expect(await store.getMember(roomId, 'alice', at(1))).toEqual({
          roomExists: true,
          rosterKnown: true,
          appearOffline: true,
          member: { uid: 'alice', nickName: 'Alice', state: 'off', mayChat: false },
        });

        // A reconnect does not undo the choice.
        expect(await store.connectDevice(roomId, 'alice', 'd2', at(2))).toEqual([]);
        expect(stateOf(await store.listStates(roomId, at(2)), 'alice')).toBe('off');
        const again = await store.turnOff(roomId, 'alice', at(3));
        expect(again.outcome === 'ok' && again.changes).toEqual([]);

        const on = await store.turnOn(roomId, 'alice', at(4));
        expect(on.outcome === 'ok' && said(on.changes)).toEqual([
          { uid: 'alice', state: 'on', mayChat: true, cause: 'manual' },
        ]);
        expect(stateOf(await store.listStates(roomId, at(4)), 'alice')).toBe('on');
      });

      it('reports a choice that changes only mayChat (member already off)', async () => {
        const { store, roomId } = await storeWithRoom(alice);
        const off = await store.turnOff(roomId, 'alice', T0);
        expect(off.outcome === 'ok' && said(off.changes)).toEqual([
          { uid: 'alice', state: 'off', mayChat: false, cause: 'manual' },
        ]);
      });

      it('keeps a member without devices on for one TTL after turnOn, renewed by each turnOn', async () => {
        const { store, roomId } = await storeWithRoom(alice);
        const on = await store.turnOn(roomId, 'alice', T0);
        expect(on.outcome === 'ok' && on.member.state).toBe('on');
        expect(on.outcome === 'ok' && said(on.changes)).toEqual([
          { uid: 'alice', state: 'on', mayChat: true, cause: 'manual' },
        ]);

        const renewed = await store.turnOn(roomId, 'alice', at(TTL_MS - 1));
        expect(renewed.outcome === 'ok' && renewed.changes).toEqual([]);
        expect((await store.expireDevices(at(TTL_MS), 100)).changes).toEqual([]);
        expect(said((await store.expireDevices(at(2 * TTL_MS - 1), 100)).changes)).toEqual([
          { uid: 'alice', state: 'off', mayChat: true, cause: 'expiry' },
        ]);
      });

      it('refuses unknown rooms and non-members and changes nothing', async () => {
        const { store, roomId } = await storeWithRoom(alice);
        expect(await store.turnOn('no-such-room', 'alice', T0)).toEqual({ outcome: 'unknown-room' });
        expect(await store.turnOff('no-such-room', 'alice', T0)).toEqual({ outcome: 'unknown-room' });
        expect(await store.turnOn(roomId, 'mallory', T0)).toEqual({ outcome: 'not-a-member' });
        expect(await store.turnOff(roomId, 'mallory', T0)).toEqual({ outcome: 'not-a-member' });
        expect(await store.roomExists('no-such-room')).toBe(false);
        expect(await store.listStates(roomId, T0)).toEqual([
          { uid: 'alice', nickName: 'Alice', state: 'off', mayChat: true },
        ]);
      });
    });

    describe('members on, over every room (presence_members_on)', () => {
      it('counts each (room, member) reported on, and follows every way of going off', async () => {
        const { store, roomId } = await storeWithRoom(alice, bob);
        const other = randomUUID();
        await store.openRoom(other, alice, T0);
        expect(await store.membersOn()).toBe(0);

        await store.connectDevice(roomId, 'alice', 'phone', T0);
        await store.connectDevice(roomId, 'alice', 'laptop', T0); // same member: still one
        await store.connectDevice(other, 'alice', 'phone', T0); // another room: counts again
        await store.turnOn(roomId, 'bob', T0);
        expect(await store.membersOn()).toBe(3);

        await store.turnOff(roomId, 'bob', T0);
        await store.turnOff(roomId, 'bob', T0); // repeated: nothing more
        expect(await store.membersOn()).toBe(2);

        await store.removeMember(other, 'alice', T0);
        expect(await store.membersOn()).toBe(1);

        await store.connectDevice(roomId, 'carol', 'early', T0); // not on the roster: not reported
        expect(await store.membersOn()).toBe(1);

        expect((await store.expireDevices(at(TTL_MS), 100)).changes.length).toBe(1);
        expect(await store.membersOn()).toBe(0);

        await store.turnOn(roomId, 'alice', at(TTL_MS));
        await store.turnOn(roomId, 'bob', at(TTL_MS));
        expect(await store.membersOn()).toBe(2);
        await store.closeRoom(roomId);
        expect(await store.membersOn()).toBe(0);
      });
    });

    describe('large rooms', () => {
      it('lists a 1,000-member room completely and in order', async () => {
        const store = await makeStore({ deviceTtlMs: TTL_MS });
        opened.push(store);
        const roomId = randomUUID();
        const uids = Array.from({ length: 1000 }, (_, index) => `user-${String(index).padStart(4, '0')}`);
        await store.openRoom(roomId, { uid: uids[0], nickName: uids[0] }, T0);
        await Promise.all(uids.slice(1).map((uid) => store.addMember(roomId, { uid, nickName: uid }, T0)));
        await Promise.all(
          uids.filter((_, index) => index % 3 === 0).map((uid) => store.connectDevice(roomId, uid, 'd', T0)),
        );

        const list = await store.listStates(roomId, at(1));
        expect(list?.map((member) => member.uid)).toEqual(uids);
        expect(list?.filter((member) => member.state === 'on').map((member) => member.uid)).toEqual(
          uids.filter((_, index) => index % 3 === 0),
        );
      });
    });
  });
}
