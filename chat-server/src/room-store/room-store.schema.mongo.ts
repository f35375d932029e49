import { Schema, type Connection, type Model, type QueryFilter, type UpdateQuery } from 'mongoose';

/** A member inside a room document's `users` map. */
export interface MemberDocument {
  uid: string;
  nickName: string;
  profileImage: string | null;
  lastReadMessageId: string | null;
  /** Missing on members stored before it existed: they were shown `lastReadMessageId` then. */
  shownReadMessageId?: string | null;
  enteredAt: Date;
}

/** The search-index request, kept on the room document so it is written atomically with it. */
export interface SearchIndexState {
  pending: boolean;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
}

/** `rooms` collection: the room as the SPEC describes it, playlist snapshot and members embedded. */
export interface RoomDocument {
  _id: string;
  roomName: string;
  ownerUid: string;
  playlist: {
    id: string;
    name: string;
    musics: { title: string; artist: string; playtime: string; thumbnail: string }[];
  };
  /** Keyed by `memberKey(uid)`. */
  users: Record<string, MemberDocument>;
  createdAt: Date;
  lastActivityAt: Date;
  closedAt: Date | null;
  /** Present (true) while the room is live; removed on close. Drives the one-live-room-per-owner-and-playlist index. */
  live?: true;
  searchIndex: SearchIndexState;
}

/**
 * `room_memberships` collection: one document per user listing the live rooms they are in.
 * It is the source of truth for the room limit: every change goes through a compare-and-set
 * on `version`, so concurrent joins of one user are serialised here.
 */
export interface MembershipDocument {
  _id: string;
  rooms: { roomId: string; enteredAt: Date }[];
  version: number;
}

/**
 * Map keys cannot contain `.` or start with `$` in MongoDB field paths, and uids come from
 * tokens we do not control: those characters (and the escape `%` itself) are percent-encoded.
 * The real uid is stored inside the member.
 */
export const memberKey = (uid: string): string =>
  uid.replace(/[%.$]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The filter and update that move `uid`'s read position in `roomId` forward to `messageId`, only
 * for a member of the live room whose position is behind it (`RoomStore.markRead`, and
 * `MessageStore.append` for a line's sender), and the position others are shown with it when
 * `shown` (it is never ahead of the other, so it is behind too).
 */
export function readPositionForward(
  roomId: string,
  uid: string,
  messageId: string,
  shown: boolean,
): { filter: QueryFilter<RoomDocument>; update: UpdateQuery<RoomDocument> } {
  const member = `users.${memberKey(uid)}`;
  const path = `${member}.lastReadMessageId`;
  return {
    filter: {
      _id: roomId,
      live: true,
      [member]: { $exists: true },
      $or: [{ [path]: null }, { [path]: { $lt: messageId } }],
    },
    update: { $set: { [path]: messageId, ...(shown && { [`${member}.shownReadMessageId`]: messageId }) } },
  };
}

// Free text may be empty (mongoose's `required` refuses ''); the API validates it, the store keeps what it is given.
const text = { type: String, default: '' };

const memberSchema = new Schema<MemberDocument>(
  {
    uid: { type: String, required: true },
    nickName: text,
    profileImage: { type: String, default: null },
    lastReadMessageId: { type: String, default: null },
    // No default: a member stored before it existed is told apart (see MemberDocument).
    shownReadMessageId: { type: String },
    enteredAt: { type: Date, required: true },
  },
  { _id: false },
);

const musicSchema = new Schema(
  {
    title: text,
    artist: text,
    playtime: text,
    thumbnail: text,
  },
  { _id: false },
);

const roomSchema = new Schema<RoomDocument>(
  {
    _id: { type: String, required: true },
    roomName: text,
    ownerUid: { type: String, required: true },
    playlist: {
      type: new Schema(
        { id: { type: String, required: true }, name: text, musics: [musicSchema] },
        { _id: false },
      ),
      required: true,
    },
    users: { type: Map, of: memberSchema, default: {} },
    createdAt: { type: Date, required: true },
    lastActivityAt: { type: Date, required: true },
    closedAt: { type: Date, default: null },
    live: { type: Boolean },
    searchIndex: {
      type: new Schema(
        {
          pending: { type: Boolean, required: true },
          attempts: { type: Number, required: true },
          nextAttemptAt: { type: Date, required: true },
          lastError: { type: String, default: null },
        },
        { _id: false },
      ),
      required: true,
    },
  },
  { collection: 'rooms', versionKey: false, minimize: false },
);
// One live room per owner and playlist: closed rooms lose `live` and drop out of this index. Per
// owner, because playlist ids are not secret (MongoRoomStore.open drops the per-playlist index it replaces).
roomSchema.index(
  { ownerUid: 1, 'playlist.id': 1 },
  { unique: true, partialFilterExpression: { live: true }, name: 'one_live_room_per_owner_playlist' },
);
roomSchema.index({ live: 1, createdAt: -1, _id: -1 }, { name: 'live_newest_first' });
// A pass over idle rooms pages by (lastActivityAt, _id) (MongoRoomStore.listCloseCandidates). It
// replaces live_by_activity (lastActivityAt only), which a deployment may drop once this exists.
roomSchema.index({ live: 1, lastActivityAt: 1, _id: 1 }, { name: 'live_idle_order' });
roomSchema.index(
  { 'searchIndex.nextAttemptAt': 1, _id: 1 },
  { partialFilterExpression: { 'searchIndex.pending': true }, name: 'pending_search_index_requests' },
);

const membershipSchema = new Schema<MembershipDocument>(
  {
    _id: { type: String, required: true },
    rooms: [
      new Schema(
        { roomId: { type: String, required: true }, enteredAt: { type: Date, required: true } },
        { _id: false },
      ),
    ],
    version: { type: Number, required: true },
  },
  { collection: 'room_memberships', versionKey: false },
);

export interface RoomModels {
  readonly rooms: Model<RoomDocument>;
  readonly memberships: Model<MembershipDocument>;
}

/** The models on `connection` (registered once per connection). */
export function roomModels(connection: Connection): RoomModels {
  const rooms =
    (connection.models.Room as Model<RoomDocument> | undefined) ??
    connection.model<RoomDocument>('Room', roomSchema);
  const memberships =
    (connection.models.RoomMembership as Model<MembershipDocument> | undefined) ??
    connection.model<MembershipDocument>('RoomMembership', membershipSchema);
  return { rooms, memberships };
}
