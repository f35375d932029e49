/**
 * The RoomStore contract: every guarantee of `room-store.port.ts`, as one suite that each
 * adapter's test file runs (`roomStoreContract('sqlite', makeFixture)`).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreFixture } from './store-fixture';
import type { IdleRoomsCursor, RoomStore } from '../../src/room-store/room-store.port';
import type { SearchOutbox } from '../../src/search-index/search-outbox.port';
import type { MessageStore } from '../../src/message-store/message-store.port';
import { aMessage, messageId } from './message-store.contract';
import type { Member, Room } from '../../src/room-store/room.model';

/**
 * A room store, the search outbox its `create` writes to, and the message store whose `append`
 * moves a sender's read position, on one fixture's data.
 */
export interface RoomStores {
  readonly rooms: RoomStore;
  readonly outbox: SearchOutbox;
  readonly messages: MessageStore;
}

const minute = 60_000;
const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (minutes: number): Date => new Date(t0 + minutes * minute);

export function aMember(uid: string, overrides: Partial<Member> = {}): Member {
  return {
    uid,
    nickName: `nick-${uid}`,
    profileImage: `https://img.test/${uid}.png`,
    lastReadMessageId: null,
    shownReadMessageId: null,
    enteredAt: at(0),
    ...overrides,
  };
}

/** A room with test defaults; ids are unique per call so tests never collide. */
export function aRoom(overrides: Partial<Room> & { playlistId?: string } = {}): Room {
  const { playlistId, ...rest } = overrides;
  const ownerUid = rest.ownerUid ?? `owner-${randomUUID()}`;
  const createdAt = rest.createdAt ?? at(0);
  return {
    id: randomUUID(),
    roomName: 'Late night jazz',
    ownerUid,
    playlist: {
      id: playlistId ?? `playlist-${randomUUID()}`,
      name: 'Late night jazz',
      musics: [
        {
          title: 'So What',
          artist: 'Miles Davis',
          playtime: '9:22',
          thumbnail: 'https://img.test/so-what.jpg',
        },
        {
          title: 'Naima',
          artist: 'John Coltrane',
          playtime: '4:21',
          thumbnail: 'https://img.test/naima.jpg',
        },
      ],
    },
    users: { [ownerUid]: aMember(ownerUid, { enteredAt: createdAt }) },
    createdAt,
    lastActivityAt: createdAt,
    closedAt: null,
    ...rest,
  };
}

const ids = (rooms: readonly { id: string }[]): string[] => rooms.map((room) => room.id);
const joinAs = (uid: string, minutes: number): Omit<Member, 'lastReadMessageId' | 'shownReadMessageId'> => {
  const {
    lastReadMessageId: _read,
    shownReadMessageId: _shown,
    ...member
  } = aMember(uid, {
    enteredAt: at(minutes),
  });
  return member;
};

export function roomStoreContract(name: string, makeFixture: () => Promise<StoreFixture<RoomStores>>): void {
  describe(`RoomStore and SearchOutbox contract: ${name}`, () => {
    let fixture: StoreFixture<RoomStores>;
    let store: RoomStore;
    let outbox: SearchOutbox;
    let messages: MessageStore;
    const opened: RoomStores[] = [];
    const open = async (): Promise<RoomStores> => {
      const next = await fixture.open();
      opened.push(next);
      return next;
    };

    beforeEach(async () => {
      fixture = await makeFixture();
      ({ rooms: store, outbox, messages } = await open());
    });

    afterEach(async () => {
      for (const each of opened.splice(0))
        await Promise.all([each.rooms.close(), each.outbox.close(), each.messages.close()]);
      await fixture.destroy();
    });

    /** Every close candidate idle since `cutoff`, in pass order, over pages of 2. */
    const candidates = async (cutoff: Date): Promise<string[]> => {
      const found: string[] = [];
      let after: IdleRoomsCursor | undefined;
      do {
        const page = await store.listCloseCandidates(cutoff, { after, limit: 2 });
        found.push(...page.roomIds);
        after = page.next ?? undefined;
      } while (after);
      return found;
    };

    /** Creates rooms and returns them as stored. */
    const created = async (...rooms: Room[]): Promise<Room[]> => {
      const result: Room[] = [];
      for (const room of rooms) result.push((await store.create(room)).room);
      return result;
    };

    describe('create', () => {
      it('stores the room with its playlist snapshot and first members', async () => {
        const room = aRoom();
        const result = await store.create(room);
        expect(result.created).toBe(true);
        expect(result.room).toEqual(room);
        expect(await store.get(room.id)).toEqual(room);
      });

      it("returns the owner's live room of a playlist instead of opening a second one", async () => {
        const first = aRoom();
        await store.create(first);
        const attempt = aRoom({
          playlistId: first.playlist.id,
          ownerUid: first.ownerUid,
          roomName: 'other name',
        });
        const again = await store.create(attempt);
        expect(again.created).toBe(false);
        expect(again.room).toEqual(first);
        const listed = ids(await store.listAll());
        expect(listed).toContain(first.id);
        expect(listed).not.toContain(attempt.id);
      });

      it("opens another owner's own room for the same playlist id, leaving the first room alone", async () => {
        // Playlist ids are not secret: naming someone else's must not take over (or stand in for) their room.
        const first = aRoom();
        await store.create(first);
        const other = aRoom({ playlistId: first.playlist.id, roomName: 'squat' });
        expect(await store.create(other)).toEqual({ room: other, created: true });
        expect(await store.get(first.id)).toEqual(first);
        const again = await store.create(aRoom({ playlistId: first.playlist.id, ownerUid: first.ownerUid }));
        expect(again).toEqual({ room: first, created: false });
        const listed = ids(await store.listAll());
        expect(listed).toEqual(expect.arrayContaining([first.id, other.id]));
      });

      it('opens a new room for a playlist whose earlier room was closed', async () => {
        const first = aRoom();
        await store.create(first);
        await store.closeRoom(first.id, at(30));
        const second = aRoom({ playlistId: first.playlist.id, ownerUid: first.ownerUid });
        const result = await store.create(second);
        expect(result).toEqual({ room: second, created: true });
      });

      it('keeps only one live room when the same owner and playlist are created concurrently', async () => {
        const [playlistId, ownerUid] = [`playlist-${randomUUID()}`, `owner-${randomUUID()}`];
        const attempts = Array.from({ length: 8 }, () => aRoom({ playlistId, ownerUid }));
        const results = await Promise.all(attempts.map((room) => store.create(room)));
        expect(results.filter((result) => result.created)).toHaveLength(1);
        expect(new Set(results.map((result) => result.room.id)).size).toBe(1);
        const listed = ids(await store.listAll());
        expect(attempts.filter((room) => listed.includes(room.id))).toHaveLength(1);
      });

      it('writes one search-index request with the room, and none for a room it did not create', async () => {
        const room = aRoom();
        await store.create(room);
        await store.create(aRoom({ playlistId: room.playlist.id, ownerUid: room.ownerUid }));
        const due = await outbox.due(at(0), 100);
        expect(due).toEqual([
          { roomId: room.id, attempts: 0, nextAttemptAt: room.createdAt, lastError: null },
        ]);
      });

      it('stores neither room nor index request when creation fails', async () => {
        const room = aRoom();
        await store.create(room);
        await outbox.complete(room.id);
        // Same room id, another playlist: the id is taken, so the whole creation fails.
        const clash = aRoom({ id: room.id, playlistId: `playlist-${randomUUID()}` });
        await expect(store.create(clash)).rejects.toThrow();
        expect(await outbox.due(at(60), 100)).toEqual([]);
        expect(await store.get(room.id)).toEqual(room);
        const retry = await store.create(aRoom({ playlistId: clash.playlist.id }));
        expect(retry.created).toBe(true);
      });
    });

    describe('get', () => {
      it('returns null for an unknown room', async () => {
        expect(await store.get(randomUUID())).toBeNull();
      });

      it('returns null for a closed room', async () => {
        const room = aRoom();
        await store.create(room);
        await store.closeRoom(room.id, at(5));
        expect(await store.get(room.id)).toBeNull();
      });
    });

    describe('membership', () => {
      it('returns the room without its members and the one member asked for', async () => {
        const [room] = await created(aRoom());
        await store.join(room.id, joinAs('ann', 1), 4);
        await store.markRead(room.id, 'ann', 'm-0003', true);
        const { users: _all, ...header } = (await store.get(room.id))!;
        const found = await store.membership(room.id, 'ann');
        expect(found?.room).toEqual(header);
        expect(found?.member).toEqual({
          ...aMember('ann', { enteredAt: at(1) }),
          lastReadMessageId: 'm-0003',
          shownReadMessageId: 'm-0003',
        });
      });

      it('gives no member for a non-member, even one named like an object property', async () => {
        const [room] = await created(aRoom());
        expect((await store.membership(room.id, 'stranger'))?.member).toBeNull();
        expect((await store.membership(room.id, 'constructor'))?.member).toBeNull();
        expect((await store.membership(room.id, '__proto__'))?.member).toBeNull();
      });

      it('returns null for an unknown or closed room', async () => {
        const [room] = await created(aRoom());
        expect(await store.membership(randomUUID(), room.ownerUid)).toBeNull();
        await store.closeRoom(room.id, at(5));
        expect(await store.membership(room.id, room.ownerUid)).toBeNull();
      });
    });

    describe('standing', () => {
      it('gives the one member asked for, as membership does, without the room', async () => {
        const [room] = await created(aRoom());
        await store.join(room.id, joinAs('ann', 1), 4);
        await store.markRead(room.id, 'ann', 'm-0003', true);
        const found = await store.standing(room.id, 'ann');
        expect(found).toEqual({ member: (await store.membership(room.id, 'ann'))?.member });
        expect(found?.member?.lastReadMessageId).toBe('m-0003');
      });

      it('gives no member for a non-member, even one named like an object property', async () => {
        const [room] = await created(aRoom());
        for (const uid of ['stranger', 'constructor', '__proto__', 'toString'])
          expect(await store.standing(room.id, uid)).toEqual({ member: null });
      });

      it('returns null for an unknown or closed room', async () => {
        const [room] = await created(aRoom());
        expect(await store.standing(randomUUID(), room.ownerUid)).toBeNull();
        await store.closeRoom(room.id, at(5));
        expect(await store.standing(room.id, room.ownerUid)).toBeNull();
      });
    });

    describe('join', () => {
      it('adds the member with no read position', async () => {
        const [room] = await created(aRoom());
        const result = await store.join(room.id, joinAs('ann', 1), 4);
        expect(result?.joined).toBe(true);
        expect(result?.evictedRoomIds).toEqual([]);
        expect(result?.member).toEqual(aMember('ann', { enteredAt: at(1) }));
        expect((await store.get(room.id))?.users.ann).toEqual(aMember('ann', { enteredAt: at(1) }));
        expect((await store.get(room.id))?.users.ann).toEqual(aMember('ann', { enteredAt: at(1) }));
      });

      it('changes nothing when the user is already a member', async () => {
        const [room] = await created(aRoom());
        await store.join(room.id, joinAs('ann', 1), 4);
        await store.markRead(room.id, 'ann', 'm-0001', true);
        const again = await store.join(room.id, { ...joinAs('ann', 9), nickName: 'renamed' }, 4);
        expect(again?.joined).toBe(false);
        expect(again?.evictedRoomIds).toEqual([]);
        expect(again?.member).toEqual(
          aMember('ann', { enteredAt: at(1), lastReadMessageId: 'm-0001', shownReadMessageId: 'm-0001' }),
        );
      });

      it('returns null for an unknown or closed room', async () => {
        const [room] = await created(aRoom());
        await store.closeRoom(room.id, at(1));
        expect(await store.join(room.id, joinAs('ann', 2), 4)).toBeNull();
        expect(await store.join(randomUUID(), joinAs('ann', 2), 4)).toBeNull();
      });

      it('exits the oldest-joined room for good when joining one room too many', async () => {
        const rooms = await created(aRoom(), aRoom(), aRoom(), aRoom(), aRoom());
        for (const [index, room] of rooms.slice(0, 4).entries()) {
          expect((await store.join(room.id, joinAs('ann', index + 1), 4))?.evictedRoomIds).toEqual([]);
        }
        const fifth = await store.join(rooms[4].id, joinAs('ann', 5), 4);
        expect(fifth?.joined).toBe(true);
        expect(fifth?.evictedRoomIds).toEqual([rooms[0].id]);
        expect((await store.get(rooms[0].id))?.users.ann).toBeUndefined();
        expect(ids(await store.listJoined('ann')).sort()).toEqual(ids(rooms.slice(1)).sort());
      });

      it('evicts by join time, not by room age, oldest-joined first', async () => {
        const rooms = await created(
          aRoom({ createdAt: at(0) }),
          aRoom({ createdAt: at(1) }),
          aRoom({ createdAt: at(2) }),
          aRoom({ createdAt: at(3) }),
        );
        // Joined in the order 2, 0, 3, 1.
        await store.join(rooms[2].id, joinAs('ann', 10), 4);
        await store.join(rooms[0].id, joinAs('ann', 11), 4);
        await store.join(rooms[3].id, joinAs('ann', 12), 4);
        await store.join(rooms[1].id, joinAs('ann', 13), 4);
        const [extra] = await created(aRoom({ createdAt: at(4) }));
        const result = await store.join(extra.id, joinAs('ann', 14), 2);
        expect(result?.evictedRoomIds).toEqual([rooms[2].id, rooms[0].id, rooms[3].id]);
        expect(ids(await store.listJoined('ann'))).toEqual([extra.id, rooms[1].id]);
      });

      it('counts only live rooms towards the limit', async () => {
        const rooms = await created(aRoom(), aRoom(), aRoom(), aRoom(), aRoom());
        for (const [index, room] of rooms.slice(0, 4).entries())
          await store.join(room.id, joinAs('ann', index + 1), 4);
        await store.closeRoom(rooms[0].id, at(10));
        const result = await store.join(rooms[4].id, joinAs('ann', 11), 4);
        expect(result?.evictedRoomIds).toEqual([]);
        expect(ids(await store.listJoined('ann')).sort()).toEqual(ids(rooms.slice(1)).sort());
      });

      it('applies the limit to a member who was added when the room was created', async () => {
        const rooms = await created(aRoom(), aRoom(), aRoom(), aRoom());
        for (const [index, room] of rooms.entries()) await store.join(room.id, joinAs('ann', index + 1), 4);
        const [own] = await created(
          aRoom({ ownerUid: 'ann', users: { ann: aMember('ann', { enteredAt: at(20) }) } }),
        );
        const result = await store.join(own.id, joinAs('ann', 20), 4);
        expect(result?.joined).toBe(false);
        expect(result?.evictedRoomIds).toEqual([rooms[0].id]);
        expect(await store.listJoined('ann')).toHaveLength(4);
      });

      it('never leaves a user in more rooms than the limit under concurrent joins', async () => {
        const rooms = await created(...Array.from({ length: 8 }, () => aRoom()));
        const results = await Promise.all(
          rooms.map((room, index) => store.join(room.id, joinAs('ann', index), 4)),
        );
        expect(results.every((result) => result?.joined)).toBe(true);
        const joined = await store.listJoined('ann');
        expect(joined).toHaveLength(4);
        const evicted = results.flatMap((result) => result?.evictedRoomIds ?? []);
        expect(new Set([...evicted, ...ids(joined)])).toEqual(new Set(ids(rooms)));
      });

      it('keeps other users out of the count', async () => {
        const rooms = await created(aRoom(), aRoom(), aRoom(), aRoom(), aRoom());
        for (const [index, room] of rooms.entries()) {
          await store.join(room.id, joinAs(`user-${index}`, index), 4);
          expect((await store.join(room.id, joinAs('bob', index), 4))?.evictedRoomIds).toEqual(
            index < 4 ? [] : [rooms[0].id],
          );
        }
        for (const [index, room] of rooms.entries())
          expect((await store.get(room.id))?.users[`user-${index}`]).toBeDefined();
      });
    });

    describe('exit', () => {
      it('removes the member for good and returns the room without them', async () => {
        const [room] = await created(aRoom());
        await store.join(room.id, joinAs('ann', 1), 4);
        const after = await store.exit(room.id, 'ann');
        expect(after?.users.ann).toBeUndefined();
        expect(ids(await store.listJoined('ann'))).toEqual([]);
        expect(ids(await store.listUnjoined('ann'))).toContain(room.id);
      });

      it('lets the owner leave without affecting the others', async () => {
        const [room] = await created(aRoom());
        await store.join(room.id, joinAs('ann', 1), 4);
        const after = await store.exit(room.id, room.ownerUid);
        expect(Object.keys(after?.users ?? {})).toEqual(['ann']);
        expect((await store.get(room.id))?.closedAt).toBeNull();
      });

      it('returns the room unchanged for a non-member, and null for an unknown room', async () => {
        const [room] = await created(aRoom());
        expect(await store.exit(room.id, 'stranger')).toEqual(room);
        expect(await store.exit(randomUUID(), room.ownerUid)).toBeNull();
      });

      it('frees a place under the room limit', async () => {
        const rooms = await created(aRoom(), aRoom(), aRoom(), aRoom(), aRoom());
        for (const [index, room] of rooms.slice(0, 4).entries())
          await store.join(room.id, joinAs('ann', index), 4);
        await store.exit(rooms[2].id, 'ann');
        expect((await store.join(rooms[4].id, joinAs('ann', 9), 4))?.evictedRoomIds).toEqual([]);
      });
    });

    describe('updateProfile', () => {
      it("takes a member's new nickname and picture, says whether anything changed, and touches no one else", async () => {
        const [room] = await created(aRoom());
        await store.join(room.id, joinAs('ann', 1), 4);
        await store.join(room.id, joinAs('bob', 2), 4);
        const bobBefore = (await store.get(room.id))!.users.bob;
        const renamed = { nickName: 'Annie', profileImage: 'https://img.example.com/annie.png' };
        expect(await store.updateProfile(room.id, 'ann', renamed)).toBe(true);
        expect(await store.updateProfile(room.id, 'ann', renamed)).toBe(false);
        const after = (await store.get(room.id))!.users;
        expect(after.ann).toMatchObject(renamed);
        expect(after.bob).toEqual(bobBefore);
        expect(await store.updateProfile(room.id, 'ann', { nickName: 'Annie', profileImage: null })).toBe(
          true,
        );
        expect((await store.get(room.id))!.users.ann.profileImage).toBeNull();
      });

      it('changes nothing for a non-member, an unknown room or a closed room', async () => {
        const [room] = await created(aRoom());
        const profile = { nickName: 'X', profileImage: null };
        expect(await store.updateProfile(room.id, 'stranger', profile)).toBe(false);
        expect(await store.updateProfile(randomUUID(), room.ownerUid, profile)).toBe(false);
        await store.closeRoom(room.id, at(1));
        expect(await store.updateProfile(room.id, room.ownerUid, profile)).toBe(false);
      });
    });

    describe('liveRoomId', () => {
      it("finds an owner's live room for a playlist, and none once it is closed or for another owner", async () => {
        const [room] = await created(aRoom());
        expect(await store.liveRoomId(room.ownerUid, room.playlist.id)).toBe(room.id);
        expect(await store.liveRoomId('someone-else', room.playlist.id)).toBeNull();
        await store.closeRoom(room.id, at(1));
        expect(await store.liveRoomId(room.ownerUid, room.playlist.id)).toBeNull();
      });
    });

    describe('markRead', () => {
      it('moves the read position forward only', async () => {
        const [room] = await created(aRoom());
        await store.join(room.id, joinAs('ann', 1), 4);
        expect((await store.markRead(room.id, 'ann', 'm-0002', true))?.lastReadMessageId).toBe('m-0002');
        expect((await store.markRead(room.id, 'ann', 'm-0001', true))?.lastReadMessageId).toBe('m-0002');
        expect((await store.markRead(room.id, 'ann', 'm-0003', true))?.lastReadMessageId).toBe('m-0003');
        expect((await store.get(room.id))?.users.ann.lastReadMessageId).toBe('m-0003');
      });

      it('moves the position others are shown only when shown, and it catches up once shown again', async () => {
        const [room] = await created(aRoom());
        await store.join(room.id, joinAs('ann', 1), 4);
        expect(await store.markRead(room.id, 'ann', 'm-0002', true)).toMatchObject({
          lastReadMessageId: 'm-0002',
          shownReadMessageId: 'm-0002',
        });
        // Appearing offline: saved, out of sight.
        expect(await store.markRead(room.id, 'ann', 'm-0005', false)).toMatchObject({
          lastReadMessageId: 'm-0005',
          shownReadMessageId: 'm-0002',
        });
        expect((await store.get(room.id))?.users.ann).toMatchObject({
          lastReadMessageId: 'm-0005',
          shownReadMessageId: 'm-0002',
        });
        // Back on, reading a line already read while hidden: the shown position catches up, the other stays.
        expect(await store.markRead(room.id, 'ann', 'm-0004', true)).toMatchObject({
          lastReadMessageId: 'm-0005',
          shownReadMessageId: 'm-0004',
        });
        expect(await store.markRead(room.id, 'ann', 'm-0006', true)).toMatchObject({
          lastReadMessageId: 'm-0006',
          shownReadMessageId: 'm-0006',
        });
      });

      it('returns null for a non-member, an unknown room or a closed room', async () => {
        const [room] = await created(aRoom());
        expect(await store.markRead(room.id, 'stranger', 'm-0001', true)).toBeNull();
        expect(await store.markRead(randomUUID(), room.ownerUid, 'm-0001', true)).toBeNull();
        await store.closeRoom(room.id, at(1));
        expect(await store.markRead(room.id, room.ownerUid, 'm-0001', true)).toBeNull();
      });
    });

    describe("a line's sender (MessageStore.append)", () => {
      const by = (uid: string) => ({ sender: { uid, nickName: uid, profileImage: null } });
      const readPosition = async (roomId: string, uid: string) =>
        (await store.standing(roomId, uid))?.member?.lastReadMessageId;

      it('has read the room up to their own line, never back, whoever else writes', async () => {
        const [room] = await created(aRoom());
        await store.join(room.id, joinAs('ann', 1), 4);
        await store.join(room.id, joinAs('bob', 2), 4);
        const first = aMessage(room.id, 1, by('ann'));
        expect((await messages.append(first)).message.messageId).toBe(messageId(1));
        expect(await readPosition(room.id, 'ann')).toBe(messageId(1));
        await messages.append(aMessage(room.id, 2, by('ann')));
        // A resend of the first line is stored once and leaves the position at the later line.
        const resend = await messages.append({ ...first, messageId: messageId(3) });
        expect(resend).toMatchObject({ duplicate: true, message: { messageId: messageId(1) } });
        expect(await readPosition(room.id, 'ann')).toBe(messageId(2));
        await messages.append(aMessage(room.id, 4, by('bob')));
        expect(await readPosition(room.id, 'ann')).toBe(messageId(2));
        expect(await readPosition(room.id, 'bob')).toBe(messageId(4));
      });

      it("stores a non-member's line without making them a member", async () => {
        const [room] = await created(aRoom());
        expect((await messages.append(aMessage(room.id, 1, by('stranger')))).duplicate).toBe(false);
        expect(await messages.latest(room.id)).toMatchObject({ messageId: messageId(1) });
        expect((await store.get(room.id))?.users.stranger).toBeUndefined();
        expect(await readPosition(room.id, 'stranger')).toBeUndefined();
      });
    });

    describe('lists', () => {
      it('list every live room, newest first, ties broken by id', async () => {
        const [a, b, c] = await created(
          aRoom({ createdAt: at(1) }),
          aRoom({ createdAt: at(3) }),
          aRoom({ createdAt: at(2) }),
        );
        const [tie1, tie2] = await created(aRoom({ createdAt: at(5) }), aRoom({ createdAt: at(5) }));
        const [gone] = await created(aRoom({ createdAt: at(9) }));
        await store.closeRoom(gone.id, at(10));
        const tied = [tie1.id, tie2.id].sort().reverse();
        expect(ids(await store.listAll())).toEqual([...tied, b.id, c.id, a.id]);
      });

      it('page every list with a cursor: each room once, in the same order as unpaged', async () => {
        const rooms = await created(
          ...Array.from({ length: 7 }, (_, index) => aRoom({ createdAt: at(index % 3) })),
        );
        const whole = ids(await store.listAll()).filter((id) => ids(rooms).includes(id));
        const paged: string[] = [];
        let after: { createdAt: Date; id: string } | undefined;
        for (;;) {
          const page = await store.listAll({ after, limit: 3 });
          paged.push(...ids(page).filter((id) => ids(rooms).includes(id)));
          const last = page.at(-1);
          if (page.length < 3 || !last) break;
          after = { createdAt: last.createdAt, id: last.id };
        }
        expect(paged).toEqual(whole);
        const unjoined = await store.listUnjoined('nobody-here', { limit: 2 });
        expect(unjoined).toHaveLength(2);
      });

      it('list the rooms a user is in, and the live rooms they are not in', async () => {
        const [mine1, other, mine2, closedMine] = await created(
          aRoom({ createdAt: at(1) }),
          aRoom({ createdAt: at(2) }),
          aRoom({ createdAt: at(3) }),
          aRoom({ createdAt: at(4) }),
        );
        for (const room of [mine1, mine2, closedMine]) await store.join(room.id, joinAs('ann', 5), 4);
        await store.closeRoom(closedMine.id, at(6));
        expect(ids(await store.listJoined('ann'))).toEqual([mine2.id, mine1.id]);
        const unjoined = ids(await store.listUnjoined('ann'));
        expect(unjoined).toContain(other.id);
        expect(unjoined).not.toContain(mine1.id);
        expect(unjoined).not.toContain(mine2.id);
        expect(unjoined).not.toContain(closedMine.id);
      });

      it("summarise each room: name, first track's thumbnail, member count, creation time", async () => {
        const [room] = await created(aRoom());
        await store.join(room.id, joinAs('ann', 1), 4);
        await store.join(room.id, joinAs('bob', 2), 4);
        const expected = {
          id: room.id,
          roomName: room.roomName,
          thumbnail: room.playlist.musics[0].thumbnail,
          memberCount: 3,
          createdAt: room.createdAt,
        };
        expect((await store.listAll()).find((each) => each.id === room.id)).toEqual(expected);
        expect((await store.listUnjoined('carol')).find((each) => each.id === room.id)).toEqual(expected);
      });

      it("give the listing member's read position in their joined list", async () => {
        const [room] = await created(aRoom());
        await store.join(room.id, joinAs('bob', 2), 4);
        expect((await store.listJoined('bob'))[0].lastReadMessageId).toBeNull();
        await store.markRead(room.id, 'bob', 'm-0042', true);
        expect((await store.listJoined('bob'))[0]).toMatchObject({
          id: room.id,
          memberCount: 2,
          lastReadMessageId: 'm-0042',
        });
      });

      it('summarise a room whose playlist has no track with a null thumbnail', async () => {
        const [room] = await created(
          aRoom({ playlist: { id: `p-${randomUUID()}`, name: 'empty', musics: [] } }),
        );
        expect((await store.listAll()).find((each) => each.id === room.id)?.thumbnail).toBeNull();
      });
    });

    describe('activity and closing', () => {
      it('pages through live rooms idle since a cutoff, oldest activity first; touch moves activity forward only', async () => {
        const [quiet, busy, closedQuiet] = await created(aRoom(), aRoom(), aRoom());
        await store.touch(busy.id, at(50));
        await store.touch(busy.id, at(20));
        await store.closeRoom(closedQuiet.id, at(1));
        expect(await candidates(at(40))).toEqual([quiet.id]);
        expect((await store.get(busy.id))?.lastActivityAt).toEqual(at(50));
        expect(await candidates(at(60))).toEqual([quiet.id, busy.id]);
      });

      it('offers only rooms without a chat line: ENTER and EXIT lines do not count', async () => {
        const [silent, entered, talked, talkedLate] = await created(aRoom(), aRoom(), aRoom(), aRoom());
        await messages.append(aMessage(entered.id, 1, { type: 'ENTER' }));
        await messages.append(aMessage(entered.id, 2, { type: 'EXIT' }));
        await messages.append(aMessage(talked.id, 3));
        await messages.append(aMessage(talkedLate.id, 4, { type: 'ENTER' }));
        await messages.append(aMessage(talkedLate.id, 5));
        expect((await candidates(at(1))).sort()).toEqual([silent.id, entered.id].sort());
      });

      it('counts a room of ENTER and EXIT lines alone as one without chat, however many; a TALK after them as one with chat', async () => {
        const [cameAndWent, talkedLate] = await created(aRoom(), aRoom());
        for (let n = 1; n <= 150; n++) {
          await messages.append(aMessage(cameAndWent.id, n, { type: n % 2 ? 'ENTER' : 'EXIT' }));
          await messages.append(aMessage(talkedLate.id, 150 + n, { type: 'ENTER' }));
        }
        await messages.append(aMessage(talkedLate.id, 301));
        expect(await candidates(at(1))).toEqual([cameAndWent.id]);
      });

      it('examines at most `limit` idle rooms per page, stepping over rooms with chat, until the pass ends', async () => {
        // Eight rooms idle since the same minute: pages must part rooms of one activity time too.
        const rooms = await created(...Array.from({ length: 8 }, () => aRoom()));
        const chatty = new Set(rooms.filter((_, index) => index % 4 !== 3).map((room) => room.id));
        let n = 0;
        for (const id of chatty) await messages.append(aMessage(id, ++n));
        const pages: (readonly string[])[] = [];
        let after: IdleRoomsCursor | undefined;
        do {
          const page = await store.listCloseCandidates(at(1), { after, limit: 3 });
          pages.push(page.roomIds);
          after = page.next ?? undefined;
          expect(pages.length).toBeLessThanOrEqual(4);
        } while (after);
        // 8 rooms, 3 a page: the last page holds 2, and only 2 rooms of the 8 have no chat line.
        expect(pages).toHaveLength(3);
        expect(pages.some((page) => page.length === 0)).toBe(true);
        expect(pages.flat().sort()).toEqual(
          rooms
            .filter((room) => !chatty.has(room.id))
            .map((room) => room.id)
            .sort(),
        );
      });

      it('a closed room leaves every list and ignores mutations', async () => {
        const [room] = await created(aRoom());
        await store.join(room.id, joinAs('ann', 1), 4);
        await store.closeRoom(room.id, at(2));
        await store.closeRoom(room.id, at(3));
        expect(ids(await store.listAll())).not.toContain(room.id);
        expect(await store.listJoined('ann')).toEqual([]);
        expect(ids(await store.listUnjoined('bob'))).not.toContain(room.id);
        expect(await store.exit(room.id, 'ann')).toBeNull();
        await store.touch(room.id, at(9));
        expect(await candidates(at(99))).not.toContain(room.id);
      });
    });

    describe('search-index outbox', () => {
      it('hands out due requests oldest first, up to the limit', async () => {
        const [a, b, c] = await created(
          aRoom({ createdAt: at(3) }),
          aRoom({ createdAt: at(1) }),
          aRoom({ createdAt: at(2) }),
        );
        expect((await outbox.due(at(5), 2)).map((request) => request.roomId)).toEqual([b.id, c.id]);
        expect((await outbox.due(at(2), 10)).map((request) => request.roomId)).toEqual([b.id, c.id]);
        expect((await outbox.due(at(5), 10)).map((request) => request.roomId)).toEqual([b.id, c.id, a.id]);
      });

      it('a retried request waits until its next attempt and records the error', async () => {
        const [room] = await created(aRoom());
        await outbox.retry(room.id, at(10), 'search service unavailable');
        expect(await outbox.due(at(9), 10)).toEqual([]);
        expect(await outbox.due(at(10), 10)).toEqual([
          { roomId: room.id, attempts: 1, nextAttemptAt: at(10), lastError: 'search service unavailable' },
        ]);
        await outbox.retry(room.id, at(30), 'timeout');
        expect(await outbox.due(at(30), 10)).toEqual([
          { roomId: room.id, attempts: 2, nextAttemptAt: at(30), lastError: 'timeout' },
        ]);
      });

      it('a completed request is never handed out again', async () => {
        const [room, other] = await created(aRoom(), aRoom());
        await outbox.complete(room.id);
        expect((await outbox.due(at(100), 10)).map((request) => request.roomId)).toEqual([other.id]);
      });
    });

    describe('restart', () => {
      it('keeps rooms, members, read positions and the outbox across close and reopen', async () => {
        const [room, closed] = await created(aRoom(), aRoom());
        await store.join(room.id, joinAs('ann', 1), 4);
        await store.markRead(room.id, 'ann', 'm-0007', true);
        await store.touch(room.id, at(8));
        await outbox.retry(room.id, at(15), 'down');
        await store.closeRoom(closed.id, at(9));
        await outbox.complete(closed.id);
        const before = await store.get(room.id);
        await store.close();

        const { rooms: reopened, outbox: reopenedOutbox } = await open();
        expect(await reopened.get(room.id)).toEqual(before);
        expect(await reopened.get(closed.id)).toBeNull();
        expect((await reopened.get(room.id))?.users.ann.lastReadMessageId).toBe('m-0007');
        expect(await reopenedOutbox.due(at(20), 10)).toEqual([
          { roomId: room.id, attempts: 1, nextAttemptAt: at(15), lastError: 'down' },
        ]);
        const again = aRoom({ playlistId: room.playlist.id, ownerUid: room.ownerUid });
        expect((await reopened.create(again)).created).toBe(false);
      });
    });
  });
}
