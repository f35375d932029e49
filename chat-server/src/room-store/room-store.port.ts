import type { Member, Room } from './room.model';

/** A live room without its member list: what a check on one member needs. */
export type RoomHeader = Omit<Room, 'users'>;

/** What a room list shows of a room: no member list, no playlist beyond its first track's thumbnail. */
export interface RoomSummary {
  readonly id: string;
  readonly roomName: string;
  readonly thumbnail: string | null;
  readonly memberCount: number;
  readonly createdAt: Date;
  /** `listJoined` only: the listing user's read position in the room. */
  readonly lastReadMessageId?: string | null;
}

/** One user's standing in a live room, read without the room itself (no playlist, no other members). */
export interface MemberStanding {
  /** Null when the user is not a member. */
  readonly member: Member | null;
}

/** One user's standing in a live room, read without loading the room's other members. */
export interface MembershipView {
  readonly room: RoomHeader;
  /** Null when the user is not a member. */
  readonly member: Member | null;
}

export interface CreateRoomResult {
  readonly room: Room;
  /** False when a live room already existed for this playlist and was returned instead. */
  readonly created: boolean;
}

export interface JoinResult {
  /**
   * The member as stored after the join (the room's other members are not read: a join costs
   * the same in a room of any size). Null only when a concurrent join of the same user evicted
   * this room meanwhile.
   */
  readonly member: Member | null;
  /** False when the user was already a member (nothing changed). */
  readonly joined: boolean;
  /** Rooms the user was removed from, for good, to stay within the room limit (oldest-joined first). */
  readonly evictedRoomIds: readonly string[];
}

/** Where a page of a room list starts: after this room, in newest-first order. */
export interface RoomCursor {
  readonly createdAt: Date;
  readonly id: string;
}

/**
 * Where a pass over idle rooms resumes (`listCloseCandidates`). Opaque: each adapter writes and
 * reads its own, and it only means something to the adapter that gave it.
 */
export type IdleRoomsCursor = string & { readonly __idleRoomsCursor: never };

/** One page of a pass over idle rooms. */
export interface IdleRoomsPage {
  /** The rooms among those examined that may be closed: idle and without a chat line. */
  readonly roomIds: readonly string[];
  /** Where the next page starts; null once every idle room has been examined. */
  readonly next: IdleRoomsCursor | null;
}

/** One page of a room list: at most `limit` rooms, after `after` when given. */
export interface RoomPageRequest {
  readonly after?: RoomCursor;
  readonly limit: number;
}

/**
 * Rooms and their members. Guarantees, for every adapter:
 * - `create` is atomic with its search-index request (the `SearchOutbox`'s entry): both are stored or neither;
 *   at most one live room exists per owner and playlist id, and creating it again returns it
 *   (another owner naming the same playlist id gets a room of their own: playlist ids are not secret).
 * - `join` is atomic: membership and the eviction of the oldest-joined rooms beyond
 *   `maxRooms` happen together, so a user is never in more than `maxRooms` live rooms.
 * - `markRead` only moves a member's read position forward (message ids are time-ordered).
 * - Lists are newest room first (by `createdAt`, then id) and exclude closed rooms.
 * - Unknown or closed rooms: `get` returns null, mutations return null.
 */
export abstract class RoomStore {
  abstract create(room: Room): Promise<CreateRoomResult>;

  abstract get(roomId: string): Promise<Room | null>;

  /** The id of `ownerUid`'s live room for playlist `playlistId`, or null (what `create` would answer again). */
  abstract liveRoomId(ownerUid: string, playlistId: string): Promise<string | null>;

  /** The room (without members) and `uid`'s membership; null for an unknown or closed room. Costs the same in a room of any size. */
  abstract membership(roomId: string, uid: string): Promise<MembershipView | null>;

  /**
   * Only `uid`'s membership; null for an unknown or closed room. What an access check needs: it
   * reads neither the playlist (up to 500 tracks) nor the other members.
   */
  abstract standing(roomId: string, uid: string): Promise<MemberStanding | null>;

  abstract join(
    roomId: string,
    member: Omit<Member, 'lastReadMessageId' | 'shownReadMessageId'>,
    maxRooms: number,
  ): Promise<JoinResult | null>;

  /** Removes the member for good; returns the room after removal, or null if the room is unknown. */
  abstract exit(roomId: string, uid: string): Promise<Room | null>;

  /**
   * A member's name and picture as their token now says (a re-join with a new nickname); true
   * when it changed anything. False for a non-member or a room that is not live.
   */
  abstract updateProfile(
    roomId: string,
    uid: string,
    profile: Pick<Member, 'nickName' | 'profileImage'>,
  ): Promise<boolean>;

  /**
   * Saves the last read message id (forward only), and the one other members are shown when
   * `shown` (false while the member appears offline); returns the member after the change.
   */
  abstract markRead(roomId: string, uid: string, messageId: string, shown: boolean): Promise<Member | null>;

  /** Live rooms `uid` is a member of, with their read position. Lists read summaries, never member lists. */
  abstract listJoined(uid: string, page?: RoomPageRequest): Promise<RoomSummary[]>;

  /** Live rooms `uid` is not a member of. */
  abstract listUnjoined(uid: string, page?: RoomPageRequest): Promise<RoomSummary[]>;

  abstract listAll(page?: RoomPageRequest): Promise<RoomSummary[]>;

  abstract touch(roomId: string, at: Date): Promise<void>;

  /**
   * One page of a pass over the live rooms whose last activity is before `cutoff`, oldest
   * activity first: of at most `limit` such rooms examined, the ids of those without a chat
   * (TALK) line. Each room's lines are read up to its first TALK (usually among its first), so a
   * room with chat lines, which can never close and is only stepped over, costs little; one with
   * ENTER and EXIT lines only is read whole, once, and closed. No members or playlists are read.
   * Rooms touched during a pass move past `cutoff` and drop out of it.
   */
  abstract listCloseCandidates(
    cutoff: Date,
    page: { readonly after?: IdleRoomsCursor; readonly limit: number },
  ): Promise<IdleRoomsPage>;

  /** Closes a room: it stops being live (leaves every list; `get` and mutations return null). */
  abstract closeRoom(roomId: string, at: Date): Promise<void>;

  /** Releases the store's connection. */
  abstract close(): Promise<void>;
}

/** `join`'s precondition, shared by every adapter: the room limit is a positive whole number. */
export function assertRoomLimit(maxRooms: number): void {
  if (!Number.isInteger(maxRooms) || maxRooms < 1)
    throw new RangeError(`maxRooms must be a positive integer, got ${maxRooms}`);
}
