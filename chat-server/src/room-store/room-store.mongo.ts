import mongoose, { type Model } from 'mongoose';
import type { MongoConnection } from '../storage/connection.mongo';
import type {
  CreateRoomResult,
  JoinResult,
  MemberStanding,
  MembershipView,
  RoomSummary,
} from './room-store.port';
import {
  assertRoomLimit,
  RoomStore,
  type IdleRoomsCursor,
  type IdleRoomsPage,
  type RoomPageRequest,
} from './room-store.port';
import type { Member, Room } from './room.model';
import {
  memberKey,
  readPositionForward,
  roomModels,
  type MemberDocument,
  type MembershipDocument,
  type RoomDocument,
} from './room-store.schema.mongo';

/** The message store's collection (message-store.schema.mongo.ts), read for rooms' first lines. */
const MESSAGES_COLLECTION = 'messages';

/** Compare-and-set rounds one join may take before giving up (each lost round means another join of the same user won). */
const maxJoinRounds = 20;

/**
 * RoomStore on MongoDB (mongoose). A room is one document (`rooms`) with its playlist
 * snapshot, a `users` map and its search-index request, so `create` and its outbox entry are
 * one atomic insert, and the partial unique index on (`ownerUid`, `playlist.id`) (live rooms
 * only) keeps one live room per owner and playlist even across chat-server instances.
 *
 * The room limit needs the user's rooms together, which live in several documents. MongoDB
 * updates one document atomically (multi-document transactions need a replica set and are not
 * used), so each user has a `room_memberships` document listing their live rooms, changed only
 * by compare-and-set on its `version`: concurrent joins of one user are serialised there, and
 * the limit always holds on that document. Where it is not atomic: the room documents' `users`
 * maps are updated after the membership document. A crash in between can leave (a) a user
 * counted in a room whose `users` lacks them — repaired by their next `join` of that room — or
 * (b) an evicted user still listed in that room's `users`; `listJoined` reads the membership
 * document, so (b) only shows in `get` until that user's next exit of the room.
 */
export class MongoRoomStore extends RoomStore {
  private closed = false;

  private constructor(
    private readonly connection: MongoConnection,
    private readonly rooms: Model<RoomDocument>,
    private readonly memberships: Model<MembershipDocument>,
  ) {
    super();
    connection.retain();
  }

  /** Builds the indexes if needed (the uniqueness guarantees hold from the first call), then returns a store on `connection`. */
  static async open(connection: MongoConnection): Promise<MongoRoomStore> {
    const { rooms, memberships } = roomModels(connection.connection);
    await Promise.all([rooms.createIndexes(), memberships.createIndexes()]);
    // Only once its successor exists, so live rooms are never left without a uniqueness rule.
    await dropIndexIfPresent(rooms, RETIRED_LIVE_ROOM_INDEX);
    return new MongoRoomStore(connection, rooms, memberships);
  }

  async liveRoomId(ownerUid: string, playlistId: string): Promise<string | null> {
    const live = await this.rooms
      .findOne({ ownerUid, 'playlist.id': playlistId, live: true }, { _id: 1 })
      .lean<Pick<RoomDocument, '_id'>>();
    return live?._id ?? null;
  }

  async create(room: Room): Promise<CreateRoomResult> {
    try {
      await this.rooms.create({
        _id: room.id,
        roomName: room.roomName,
        ownerUid: room.ownerUid,
        playlist: {
          id: room.playlist.id,
          name: room.playlist.name,
          musics: room.playlist.musics.map((music) => ({ ...music })),
        },
        users: Object.fromEntries(
          Object.values(room.users).map((member) => [memberKey(member.uid), toMemberDocument(member)]),
        ),
        createdAt: room.createdAt,
        lastActivityAt: room.lastActivityAt,
        closedAt: null,
        live: true,
        searchIndex: { pending: true, attempts: 0, nextAttemptAt: room.createdAt, lastError: null },
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const live = await this.rooms
        .findOne({ ownerUid: room.ownerUid, 'playlist.id': room.playlist.id, live: true })
        .lean<RoomDocument>();
      if (!live) throw new Error(`Room id ${room.id} is already taken by another room`, { cause: error });
      return { room: toRoom(live), created: false };
    }
    // The members' own lists follow the room; a crash here is repaired by their next join.
    for (const member of Object.values(room.users)) {
      await this.memberships
        .updateOne(
          { _id: member.uid, 'rooms.roomId': { $ne: room.id } },
          { $push: { rooms: { roomId: room.id, enteredAt: member.enteredAt } }, $inc: { version: 1 } },
          { upsert: true },
        )
        .catch((error: unknown) => {
          // The upsert races with an existing document that already lists the room: nothing to do.
          if (!isDuplicateKey(error)) throw error;
        });
    }
    const stored = await this.findLive(room.id);
    if (!stored) throw new Error(`Room ${room.id} was closed while it was being created`);
    return { room: stored, created: true };
  }

  async get(roomId: string): Promise<Room | null> {
    return this.findLive(roomId);
  }

  async membership(roomId: string, uid: string): Promise<MembershipView | null> {
    const key = memberKey(uid);
    // Every field the header needs, and of the member map only this user's entry.
    const doc = await this.rooms
      .findOne(
        { _id: roomId, live: true },
        {
          roomName: 1,
          ownerUid: 1,
          playlist: 1,
          createdAt: 1,
          lastActivityAt: 1,
          closedAt: 1,
          [`users.${key}`]: 1,
        },
      )
      .lean<RoomDocument>();
    if (!doc) return null;
    const { users, ...room } = toRoom(doc);
    return { room, member: Object.hasOwn(users, uid) ? users[uid] : null };
  }

  async standing(roomId: string, uid: string): Promise<MemberStanding | null> {
    // Of the room, only this user's entry of the member map (and the _id MongoDB always returns).
    const key = memberKey(uid);
    const doc = await this.rooms
      .findOne({ _id: roomId, live: true }, { [`users.${key}`]: 1 })
      .lean<Pick<RoomDocument, '_id' | 'users'>>();
    if (!doc) return null;
    const users = doc.users ?? {};
    return { member: Object.hasOwn(users, key) ? toMember(users[key]) : null };
  }

  async join(
    roomId: string,
    member: Omit<Member, 'lastReadMessageId' | 'shownReadMessageId'>,
    maxRooms: number,
  ): Promise<JoinResult | null> {
    assertRoomLimit(maxRooms);
    const key = memberKey(member.uid);
    for (let round = 0; round < maxJoinRounds; round += 1) {
      const room = await this.rooms
        .findOne({ _id: roomId, live: true }, { [`users.${key}`]: 1 })
        .lean<Pick<RoomDocument, '_id' | 'users'>>();
      if (!room) return null;
      const current = await this.memberships.findOne({ _id: member.uid }).lean<MembershipDocument>();
      const version = current?.version ?? 0;
      const listed = current?.rooms ?? [];
      const liveIds = new Set(
        (
          await this.rooms
            .find({ _id: { $in: listed.map((entry) => entry.roomId) }, live: true }, { _id: 1 })
            .lean<{ _id: string }[]>()
        ).map((doc) => doc._id),
      );
      const existing = room.users?.[key];
      const target = listed.find((entry) => entry.roomId === roomId) ?? {
        roomId,
        enteredAt: existing?.enteredAt ?? member.enteredAt,
      };
      // Others, oldest-joined first (a stable sort keeps list order for equal times); closed rooms drop out.
      const others = listed
        .filter((entry) => entry.roomId !== roomId && liveIds.has(entry.roomId))
        .sort((a, b) => new Date(a.enteredAt).getTime() - new Date(b.enteredAt).getTime());
      const evicted = others.slice(0, Math.max(0, others.length - (maxRooms - 1)));
      const kept = others.slice(evicted.length);

      const swapped = await this.compareAndSetMemberships(member.uid, version, [...kept, target]);
      if (!swapped) continue;

      const added = await this.rooms.updateOne(
        { _id: roomId, live: true, [`users.${key}`]: { $exists: false } },
        {
          $set: {
            [`users.${key}`]: toMemberDocument({
              ...member,
              lastReadMessageId: null,
              shownReadMessageId: null,
            }),
          },
        },
      );
      for (const entry of evicted)
        await this.rooms.updateOne({ _id: entry.roomId }, { $unset: { [`users.${key}`]: 1 } });
      // A concurrent join of the same user may have evicted this room between our compare-and-set
      // and our $set (its $unset then ran first): the membership document decides, so undo ours.
      if (!(await this.memberships.exists({ _id: member.uid, 'rooms.roomId': roomId }))) {
        await this.rooms.updateOne({ _id: roomId }, { $unset: { [`users.${key}`]: 1 } });
      }
      const after = await this.membership(roomId, member.uid);
      if (!after) return null;
      return {
        member: after.member,
        joined: added.modifiedCount > 0,
        evictedRoomIds: evicted.map((entry) => entry.roomId),
      };
    }
    throw new Error(
      `Joining room ${roomId} as ${member.uid} lost ${maxJoinRounds} races with other joins of the same user`,
    );
  }

  async exit(roomId: string, uid: string): Promise<Room | null> {
    if (!(await this.rooms.exists({ _id: roomId, live: true }))) return null;
    await this.memberships.updateOne(
      { _id: uid, 'rooms.roomId': roomId },
      { $pull: { rooms: { roomId } }, $inc: { version: 1 } },
    );
    await this.rooms.updateOne({ _id: roomId }, { $unset: { [`users.${memberKey(uid)}`]: 1 } });
    return this.findLive(roomId);
  }

  async updateProfile(
    roomId: string,
    uid: string,
    { nickName, profileImage }: Pick<Member, 'nickName' | 'profileImage'>,
  ): Promise<boolean> {
    const path = `users.${memberKey(uid)}`;
    const updated = await this.rooms.updateOne(
      {
        _id: roomId,
        live: true,
        [path]: { $exists: true },
        $or: [
          { [`${path}.nickName`]: { $ne: nickName } },
          { [`${path}.profileImage`]: { $ne: profileImage } },
        ],
      },
      { $set: { [`${path}.nickName`]: nickName, [`${path}.profileImage`]: profileImage } },
    );
    return updated.modifiedCount > 0;
  }

  async markRead(roomId: string, uid: string, messageId: string, shown: boolean): Promise<Member | null> {
    const member = `users.${memberKey(uid)}`;
    const shownPath = `${member}.shownReadMessageId`;
    // A member stored before the shown position existed was shown the saved one: keep that
    // where it was before the saved one moves out of sight.
    if (!shown)
      await this.rooms.updateOne(
        { _id: roomId, [member]: { $exists: true }, [shownPath]: { $exists: false } },
        [{ $set: { [shownPath]: `$${member}.lastReadMessageId` } }],
        // Mongoose 9 refuses an update pipeline (an array) unless told it is one.
        { updatePipeline: true },
      );
    const { filter, update } = readPositionForward(roomId, uid, messageId, shown);
    await this.rooms.updateOne(filter, update);
    // Shown again (back on) at a line read while it was not: the shown position catches up alone.
    if (shown)
      await this.rooms.updateOne(
        {
          _id: roomId,
          live: true,
          [member]: { $exists: true },
          $or: [{ [shownPath]: null }, { [shownPath]: { $lt: messageId } }],
        },
        { $set: { [shownPath]: messageId } },
      );
    return (await this.membership(roomId, uid))?.member ?? null;
  }

  async listJoined(uid: string, page?: RoomPageRequest): Promise<RoomSummary[]> {
    const membership = await this.memberships.findOne({ _id: uid }).lean<MembershipDocument>();
    const roomIds = membership?.rooms.map((entry) => entry.roomId) ?? [];
    if (roomIds.length === 0) return [];
    return this.listSummaries(
      { _id: { $in: roomIds }, [`users.${memberKey(uid)}`]: { $exists: true } },
      page,
      uid,
    );
  }

  async listUnjoined(uid: string, page?: RoomPageRequest): Promise<RoomSummary[]> {
    return this.listSummaries({ [`users.${memberKey(uid)}`]: { $exists: false } }, page);
  }

  async listAll(page?: RoomPageRequest): Promise<RoomSummary[]> {
    return this.listSummaries({}, page);
  }

  async touch(roomId: string, at: Date): Promise<void> {
    await this.rooms.updateOne({ _id: roomId, live: true }, { $max: { lastActivityAt: at } });
  }

  async listCloseCandidates(
    cutoff: Date,
    { after, limit }: { readonly after?: IdleRoomsCursor; readonly limit: number },
  ): Promise<IdleRoomsPage> {
    const from = after ? readIdleCursor(after) : undefined;
    // Index live_idle_order; each examined room's lines by messages.room_order, up to its first TALK.
    const docs = await this.rooms.aggregate<{ _id: string; lastActivityAt: Date; candidate: boolean }>([
      {
        $match: {
          live: true,
          lastActivityAt: { $lt: cutoff },
          ...(from && {
            $or: [
              { lastActivityAt: { $gt: from.lastActivityAt } },
              { lastActivityAt: from.lastActivityAt, _id: { $gt: from.id } },
            ],
          }),
        },
      },
      { $sort: { lastActivityAt: 1, _id: 1 } },
      { $limit: limit },
      {
        $lookup: {
          from: MESSAGES_COLLECTION,
          localField: '_id',
          foreignField: 'roomId',
          // The room's first TALK, if any: one with ENTER and EXIT lines alone may close.
          pipeline: [{ $match: { type: 'TALK' } }, { $limit: 1 }, { $project: { _id: 1 } }],
          as: 'firstTalk',
        },
      },
      { $project: { lastActivityAt: 1, candidate: { $eq: [{ $size: '$firstTalk' }, 0] } } },
    ]);
    const last = docs.at(-1);
    return {
      roomIds: docs.filter((doc) => doc.candidate).map((doc) => doc._id),
      next:
        last && docs.length === limit
          ? (`${new Date(last.lastActivityAt).getTime()}:${last._id}` as IdleRoomsCursor)
          : null,
    };
  }

  async closeRoom(roomId: string, at: Date): Promise<void> {
    await this.rooms.updateOne({ _id: roomId, live: true }, { $set: { closedAt: at }, $unset: { live: 1 } });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.release();
  }

  /** Replaces the user's room list if nobody changed it since `version` was read; false when someone did. */
  private async compareAndSetMemberships(
    uid: string,
    version: number,
    rooms: MembershipDocument['rooms'],
  ): Promise<boolean> {
    try {
      const result = await this.memberships.updateOne(
        { _id: uid, version },
        { $set: { rooms }, $inc: { version: 1 } },
        // No document yet (version 0): create it; a concurrent creator makes this a duplicate key, i.e. a lost race.
        { upsert: version === 0 },
      );
      return result.matchedCount > 0 || result.upsertedCount > 0;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  private async findLive(roomId: string): Promise<Room | null> {
    const doc = await this.rooms.findOne({ _id: roomId, live: true }).lean<RoomDocument>();
    return doc ? toRoom(doc) : null;
  }

  /** One page of live rooms as summaries, computed by the server: no member map or playlist leaves it. */
  private async listSummaries(
    filter: Record<string, unknown>,
    page: RoomPageRequest | undefined,
    readerUid?: string,
  ): Promise<RoomSummary[]> {
    const docs = await this.rooms.aggregate<{
      _id: string;
      roomName: string;
      createdAt: Date;
      thumbnail?: string | null;
      memberCount: number;
      lastReadMessageId?: string | null;
    }>([
      { $match: liveRoomsAfter(filter, page) },
      { $sort: { createdAt: -1, _id: -1 } },
      ...(page ? [{ $limit: page.limit }] : []),
      {
        $project: {
          roomName: 1,
          createdAt: 1,
          thumbnail: { $arrayElemAt: ['$playlist.musics.thumbnail', 0] },
          memberCount: { $size: { $objectToArray: { $ifNull: ['$users', {}] } } },
          ...(readerUid !== undefined && {
            lastReadMessageId: `$users.${memberKey(readerUid)}.lastReadMessageId`,
          }),
        },
      },
    ]);
    return docs.map((doc) => ({
      id: doc._id,
      roomName: doc.roomName,
      thumbnail: doc.thumbnail ?? null,
      memberCount: doc.memberCount,
      createdAt: new Date(doc.createdAt),
      ...(readerUid !== undefined && { lastReadMessageId: doc.lastReadMessageId ?? null }),
    }));
  }
}

/** The cursor of a pass over idle rooms: the last room's activity (ms) and id. */
function readIdleCursor(cursor: IdleRoomsCursor): { lastActivityAt: Date; id: string } {
  const separator = cursor.indexOf(':');
  const activity = Number(cursor.slice(0, separator));
  if (separator < 0 || !Number.isSafeInteger(activity))
    throw new RangeError(`not an idle-rooms cursor of the MongoDB room store: ${cursor}`);
  return { lastActivityAt: new Date(activity), id: cursor.slice(separator + 1) };
}

/**
 * One live room per playlist id, whoever opened it (before schema 14 on SQLite): anyone naming
 * someone else's playlist id took its place. Left in place it would still refuse the second
 * owner's room, so it is dropped at start-up.
 */
const RETIRED_LIVE_ROOM_INDEX = 'one_live_room_per_playlist';

/** MongoDB's codes for "no such index" and "no such collection": nothing to drop. */
const INDEX_NOT_FOUND = 27;
const NAMESPACE_NOT_FOUND = 26;

async function dropIndexIfPresent(model: Model<RoomDocument>, name: string): Promise<void> {
  try {
    await model.collection.dropIndex(name);
  } catch (error) {
    const absent =
      error instanceof mongoose.mongo.MongoServerError &&
      (error.code === INDEX_NOT_FOUND || error.code === NAMESPACE_NOT_FOUND);
    if (!absent) throw error;
  }
}

function isDuplicateKey(error: unknown): boolean {
  return error instanceof mongoose.mongo.MongoServerError && error.code === 11000;
}

function toMemberDocument(member: Member): MemberDocument {
  return {
    uid: member.uid,
    nickName: member.nickName,
    profileImage: member.profileImage,
    lastReadMessageId: member.lastReadMessageId,
    shownReadMessageId: member.shownReadMessageId,
    enteredAt: member.enteredAt,
  };
}

/** Live rooms matching `filter`, strictly after the page's cursor in newest-first order. */
function liveRoomsAfter(
  filter: Record<string, unknown>,
  page: RoomPageRequest | undefined,
): Record<string, unknown> {
  const after = page?.after;
  return {
    ...filter,
    live: true,
    ...(after && {
      $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: after.id } }],
    }),
  };
}

function toMember(member: MemberDocument): Member {
  return {
    uid: member.uid,
    nickName: member.nickName,
    profileImage: member.profileImage ?? null,
    lastReadMessageId: member.lastReadMessageId ?? null,
    shownReadMessageId:
      member.shownReadMessageId === undefined
        ? (member.lastReadMessageId ?? null)
        : member.shownReadMessageId,
    enteredAt: new Date(member.enteredAt),
  };
}

function toRoom(doc: RoomDocument): Room {
  const members = Object.values(doc.users ?? {})
    .map(toMember)
    .sort((a, b) => a.enteredAt.getTime() - b.enteredAt.getTime());
  return {
    id: doc._id,
    roomName: doc.roomName,
    ownerUid: doc.ownerUid,
    playlist: {
      id: doc.playlist.id,
      name: doc.playlist.name,
      musics: doc.playlist.musics.map(({ title, artist, playtime, thumbnail }) => ({
        title,
        artist,
        playtime,
        thumbnail,
      })),
    },
    // fromEntries defines own properties, so a uid like "__proto__" stays an ordinary key.
    users: Object.fromEntries(members.map((member) => [member.uid, member])),
    createdAt: new Date(doc.createdAt),
    lastActivityAt: new Date(doc.lastActivityAt),
    closedAt: doc.closedAt ? new Date(doc.closedAt) : null,
  };
}
