// One host only: rooms in the embedded SQLite file (processes on that host may share it); use the MongoDB adapter across hosts.
import type { SqliteDatabase } from '../storage/database.sqlite';
import type {
  CreateRoomResult,
  JoinResult,
  MemberStanding,
  MembershipView,
  RoomSummary,
} from './room-store.port';
import { DEFAULT_PLAYLIST_CACHE_MB } from '../config/storage.settings';
import { ParsedPlaylists } from './parsed-playlists';
import {
  assertRoomLimit,
  RoomStore,
  type IdleRoomsCursor,
  type IdleRoomsPage,
  type RoomPageRequest,
} from './room-store.port';
import { roomThumbnail, type Member, type PlaylistSnapshot, type Room } from './room.model';

interface RoomRow {
  id: string;
  playlist_id: string;
  room_name: string;
  owner_uid: string;
  created_at: number;
  last_activity_at: number;
  closed_at: number | null;
}

interface MemberRow {
  room_id: string;
  uid: string;
  nick_name: string;
  profile_image: string | null;
  last_read_message_id: string | null;
  shown_read_message_id: string | null;
  entered_at: number;
}

// Without the playlist: it comes from `ParsedPlaylists`, read and parsed once per room.
const roomColumns =
  'r.id, r.playlist_id, r.room_name, r.owner_uid, r.created_at, r.last_activity_at, r.closed_at';
const newestFirst = 'ORDER BY r.created_at DESC, r.id DESC';

interface SummaryRow {
  id: string;
  room_name: string;
  thumbnail: string | null;
  member_count: number;
  created_at: number;
  last_read_message_id?: string | null;
}

// The member count comes from the (room_id, uid) primary key; the playlist is never read here
// (the thumbnail is its own column, written with the room).
const summaryColumns = `r.id, r.room_name, r.created_at, r.thumbnail,
  (SELECT count(*) FROM room_members c WHERE c.room_id = r.id) AS member_count`;

/** SQL for one page in `newestFirst` order: rooms strictly after the cursor, at most `limit`. */
function pageClause(page: RoomPageRequest | undefined): {
  where: string;
  limit: string;
  params: (string | number)[];
} {
  if (!page) return { where: '', limit: '', params: [] };
  const after = page.after;
  if (!after) return { where: '', limit: 'LIMIT +?', params: [page.limit] };
  const at = after.createdAt.getTime();
  return {
    where: 'AND (r.created_at < ? OR (r.created_at = +? AND r.id < ?))',
    limit: 'LIMIT +?',
    params: [at, at, after.id, page.limit],
  };
}
const memberColumns =
  'room_id, uid, nick_name, profile_image, last_read_message_id, shown_read_message_id, entered_at';

interface IdleRow {
  id: string;
  last_activity_at: number;
  row_key: number;
  candidate: number;
}

/**
 * 1 when room `r` may be closed: it has no TALK line. The room's lines are read in the order of
 * messages_room_order up to the first TALK, usually among its first. Counting only its first lines
 * kept a room of ENTER and EXIT lines alone (people joining and leaving) open for ever.
 * (A flag on the room, set by the first TALK, would spare even that read; it needs a migration.)
 */
const isCloseCandidate = `NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = r.id AND m.type = 'TALK')`;
const idleColumns = `r.id, r.last_activity_at, r.rowid AS row_key, ${isCloseCandidate} AS candidate`;

/**
 * The cursor of a pass over idle rooms: the last room's activity and rowid, the order of the
 * partial index rooms_live_activity (last_activity_at, then rowid), so a page starts by a seek
 * however many rooms share one activity time. VACUUM may renumber rowids: a pass running across
 * one may step over or revisit a few rooms, which the next pass examines again.
 */
const idleCursor = (row: IdleRow): IdleRoomsCursor =>
  `${row.last_activity_at}:${row.row_key}` as IdleRoomsCursor;

function readIdleCursor(cursor: IdleRoomsCursor): [number, number] {
  const [activity, rowid] = cursor.split(':').map(Number);
  if (!Number.isSafeInteger(activity) || !Number.isSafeInteger(rowid))
    throw new RangeError(`not an idle-rooms cursor of the SQLite room store: ${cursor}`);
  return [activity, rowid];
}

/**
 * RoomStore on SQLite. Every mutation is one transaction on the shared connection; a room's
 * members live in `room_members` (one row per member), the outbox in `search_outbox`.
 */
export class SqliteRoomStore extends RoomStore {
  private closed = false;
  private readonly playlists: ParsedPlaylists;

  constructor(
    private readonly db: SqliteDatabase,
    options: { readonly playlistCacheMb?: number } = {},
  ) {
    super();
    this.playlists = new ParsedPlaylists(options.playlistCacheMb ?? DEFAULT_PLAYLIST_CACHE_MB);
    db.retain();
  }

  async liveRoomId(ownerUid: string, playlistId: string): Promise<string | null> {
    return (
      this.db.get<{ id: string }>(
        'SELECT id FROM rooms WHERE owner_uid = ? AND playlist_id = ? AND closed_at IS NULL',
        ownerUid,
        playlistId,
      )?.id ?? null
    );
  }

  async create(room: Room): Promise<CreateRoomResult> {
    return this.db.transaction(() => {
      const inserted = this.db.run(
        `INSERT INTO rooms (id, playlist_id, room_name, owner_uid, playlist, thumbnail, created_at, last_activity_at, closed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT DO NOTHING`,
        room.id,
        room.playlist.id,
        room.roomName,
        room.ownerUid,
        JSON.stringify(room.playlist),
        roomThumbnail(room),
        room.createdAt.getTime(),
        room.lastActivityAt.getTime(),
      );
      if (inserted.changes === 0) {
        const live = this.db.get<RoomRow>(
          `SELECT ${roomColumns} FROM rooms r
           WHERE r.owner_uid = ? AND r.playlist_id = ? AND r.closed_at IS NULL`,
          room.ownerUid,
          room.playlist.id,
        );
        if (!live) throw new Error(`Room id ${room.id} is already taken by another room`);
        return { room: this.withMembers([live])[0], created: false };
      }
      for (const member of Object.values(room.users)) this.insertMember(room.id, member);
      this.db.run(
        'INSERT INTO search_outbox (room_id, attempts, next_attempt_at, last_error) VALUES (?, 0, ?, NULL)',
        room.id,
        room.createdAt.getTime(),
      );
      return { room: this.requireLive(room.id), created: true };
    });
  }

  async get(roomId: string): Promise<Room | null> {
    return this.findLive(roomId);
  }

  async membership(roomId: string, uid: string): Promise<MembershipView | null> {
    return this.db.read(() => {
      const row = this.liveRow(roomId);
      if (!row) return null;
      const member = this.db.get<MemberRow>(
        `SELECT ${memberColumns} FROM room_members WHERE room_id = ? AND uid = ?`,
        roomId,
        uid,
      );
      const { users: _none, ...room } = this.toRoom(row, {});
      return { room, member: member ? toMember(member) : null };
    });
  }

  async standing(roomId: string, uid: string): Promise<MemberStanding | null> {
    // One statement: the room's liveness and, when there is one, the member row.
    // The member columns are room_members' own (rooms has none of those names); all null without a member.
    const row = this.db.get<MemberRow | { [K in keyof MemberRow]: null }>(
      `SELECT ${memberColumns} FROM rooms r LEFT JOIN room_members m ON m.room_id = r.id AND m.uid = +?
       WHERE r.id = +? AND r.closed_at IS NULL`,
      uid,
      roomId,
    );
    if (!row) return null;
    return { member: row.uid === null ? null : toMember(row) };
  }

  async join(
    roomId: string,
    member: Omit<Member, 'lastReadMessageId' | 'shownReadMessageId'>,
    maxRooms: number,
  ): Promise<JoinResult | null> {
    assertRoomLimit(maxRooms);
    return this.db.transaction(() => {
      if (!this.isLive(roomId)) return null;
      const joined =
        this.insertMember(roomId, { ...member, lastReadMessageId: null, shownReadMessageId: null }) > 0;
      // Always enforced (not only on a new join), so the limit also holds for a member added
      // at creation; the room being joined is never the one evicted.
      const evicted = this.db
        .all<{ room_id: string }>(
          `SELECT m.room_id FROM room_members m JOIN rooms r ON r.id = m.room_id
           WHERE m.uid = +? AND r.closed_at IS NULL AND m.room_id <> ?
           ORDER BY m.entered_at DESC, m.rowid DESC LIMIT -1 OFFSET ?`,
          member.uid,
          roomId,
          maxRooms - 1,
        )
        .map((row) => row.room_id)
        .reverse();
      for (const evictedRoomId of evicted) {
        this.db.run('DELETE FROM room_members WHERE room_id = ? AND uid = ?', evictedRoomId, member.uid);
      }
      const stored = this.db.get<MemberRow>(
        `SELECT ${memberColumns} FROM room_members WHERE room_id = ? AND uid = ?`,
        roomId,
        member.uid,
      );
      return { member: stored ? toMember(stored) : null, joined, evictedRoomIds: evicted };
    });
  }

  async exit(roomId: string, uid: string): Promise<Room | null> {
    return this.db.transaction(() => {
      if (!this.isLive(roomId)) return null;
      this.db.run('DELETE FROM room_members WHERE room_id = ? AND uid = ?', roomId, uid);
      return this.requireLive(roomId);
    });
  }

  async updateProfile(
    roomId: string,
    uid: string,
    { nickName, profileImage }: Pick<Member, 'nickName' | 'profileImage'>,
  ): Promise<boolean> {
    return (
      this.db.run(
        `UPDATE room_members SET nick_name = ?, profile_image = ?
         WHERE room_id = ? AND uid = ? AND (nick_name IS NOT ? OR profile_image IS NOT ?)
           AND room_id IN (SELECT id FROM rooms WHERE id = ? AND closed_at IS NULL)`,
        nickName,
        profileImage,
        roomId,
        uid,
        nickName,
        profileImage,
        roomId,
      ).changes > 0
    );
  }

  async markRead(roomId: string, uid: string, messageId: string, shown: boolean): Promise<Member | null> {
    // One statement, its own transaction, instead of a transaction of four (BEGIN IMMEDIATE,
    // liveness, update, read back). Only when the position does not move (an older id, a
    // non-member, a closed room) is the member read.
    const moved = moveReadPosition(this.db, roomId, uid, messageId, shown);
    if (moved) return toMember(moved);
    return (await this.standing(roomId, uid))?.member ?? null;
  }

  async listJoined(uid: string, page?: RoomPageRequest): Promise<RoomSummary[]> {
    const { where, limit, params } = pageClause(page);
    return this.db
      .all<SummaryRow>(
        `SELECT ${summaryColumns}, m.last_read_message_id FROM rooms r JOIN room_members m ON m.room_id = r.id
         WHERE m.uid = +? AND r.closed_at IS NULL ${where} ${newestFirst} ${limit}`,
        uid,
        ...params,
      )
      .map((row) => ({ ...toSummary(row), lastReadMessageId: row.last_read_message_id ?? null }));
  }

  async listUnjoined(uid: string, page?: RoomPageRequest): Promise<RoomSummary[]> {
    const { where, limit, params } = pageClause(page);
    return this.db
      .all<SummaryRow>(
        `SELECT ${summaryColumns} FROM rooms r
         WHERE r.closed_at IS NULL AND NOT EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.uid = +?)
         ${where} ${newestFirst} ${limit}`,
        uid,
        ...params,
      )
      .map(toSummary);
  }

  async listAll(page?: RoomPageRequest): Promise<RoomSummary[]> {
    const { where, limit, params } = pageClause(page);
    return this.db
      .all<SummaryRow>(
        `SELECT ${summaryColumns} FROM rooms r WHERE r.closed_at IS NULL ${where} ${newestFirst} ${limit}`,
        ...params,
      )
      .map(toSummary);
  }

  async touch(roomId: string, at: Date): Promise<void> {
    // max(): activity only moves forward, whatever order concurrent touches arrive in.
    this.db.run(
      'UPDATE rooms SET last_activity_at = max(last_activity_at, ?) WHERE id = ? AND closed_at IS NULL',
      at.getTime(),
      roomId,
    );
  }

  async listCloseCandidates(
    cutoff: Date,
    { after, limit }: { readonly after?: IdleRoomsCursor; readonly limit: number },
  ): Promise<IdleRoomsPage> {
    const [afterActivity, afterRowid] = after ? readIdleCursor(after) : [Number.MIN_SAFE_INTEGER, 0];
    // Two seeks of rooms_live_activity: the rest of the cursor's activity time by rowid, then the
    // later times. One row-value comparison would seek on the time alone and step again over
    // every room of that time already seen, on every page.
    const rows = this.db.all<IdleRow>(
      `SELECT * FROM (SELECT ${idleColumns} FROM rooms r
         WHERE r.closed_at IS NULL AND r.last_activity_at = +? AND r.rowid > +? ORDER BY r.rowid LIMIT +?)
       UNION ALL
       SELECT * FROM (SELECT ${idleColumns} FROM rooms r
         WHERE r.closed_at IS NULL AND r.last_activity_at > +? AND r.last_activity_at < +?
         ORDER BY r.last_activity_at, r.rowid LIMIT +?)
       LIMIT +?`,
      afterActivity,
      afterRowid,
      limit,
      afterActivity,
      cutoff.getTime(),
      limit,
      limit,
    );
    const last = rows.at(-1);
    return {
      roomIds: rows.filter((row) => row.candidate === 1).map((row) => row.id),
      next: last && rows.length === limit ? idleCursor(last) : null,
    };
  }

  async closeRoom(roomId: string, at: Date): Promise<void> {
    this.db.run('UPDATE rooms SET closed_at = ? WHERE id = ? AND closed_at IS NULL', at.getTime(), roomId);
    this.playlists.forget(roomId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.release();
  }

  /** Returns 1 when the member was added, 0 when they were already in the room. */
  private insertMember(roomId: string, member: Member): number {
    return this.db.run(
      `INSERT INTO room_members (room_id, uid, nick_name, profile_image, last_read_message_id, shown_read_message_id, entered_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_id, uid) DO NOTHING`,
      roomId,
      member.uid,
      member.nickName,
      member.profileImage,
      member.lastReadMessageId,
      member.shownReadMessageId,
      member.enteredAt.getTime(),
    ).changes;
  }

  private isLive(roomId: string): boolean {
    return (
      this.db.get<{ one: number }>(
        'SELECT 1 AS one FROM rooms WHERE id = ? AND closed_at IS NULL',
        roomId,
      ) !== undefined
    );
  }

  private findLive(roomId: string): Room | null {
    return this.db.read(() => {
      const row = this.liveRow(roomId);
      return row ? this.withMembers([row])[0] : null;
    });
  }

  /** The room's own row, without members, if it is live. */
  private liveRow(roomId: string): RoomRow | undefined {
    return this.db.get<RoomRow>(
      `SELECT ${roomColumns} FROM rooms r WHERE r.id = ? AND r.closed_at IS NULL`,
      roomId,
    );
  }

  private requireLive(roomId: string): Room {
    const room = this.findLive(roomId);
    if (!room) throw new Error(`Room ${roomId} vanished inside its own transaction`);
    return room;
  }

  /** Loads the members of all `rows` in one query and builds the rooms, keeping the rows' order. */
  private withMembers(rows: RoomRow[]): Room[] {
    if (rows.length === 0) return [];
    const members = new Map<string, [string, Member][]>(rows.map((row) => [row.id, []]));
    // One room (every single-room read) needs no JSON list of ids.
    const memberRows =
      rows.length === 1
        ? this.db.all<MemberRow>(
            `SELECT ${memberColumns} FROM room_members WHERE room_id = +? ORDER BY entered_at, rowid`,
            rows[0].id,
          )
        : this.db.all<MemberRow>(
            `SELECT ${memberColumns} FROM room_members WHERE room_id IN (SELECT value FROM json_each(?)) ORDER BY entered_at, rowid`,
            JSON.stringify(rows.map((row) => row.id)),
          );
    for (const row of memberRows) members.get(row.room_id)?.push([row.uid, toMember(row)]);
    // fromEntries defines own properties, so a uid like "__proto__" stays an ordinary key.
    return rows.map((row) => this.toRoom(row, Object.fromEntries(members.get(row.id) ?? [])));
  }

  private toRoom(row: RoomRow, users: Record<string, Member>): Room {
    return {
      id: row.id,
      roomName: row.room_name,
      ownerUid: row.owner_uid,
      playlist: this.playlistOf(row.id),
      users,
      createdAt: new Date(row.created_at),
      lastActivityAt: new Date(row.last_activity_at),
      closedAt: row.closed_at === null ? null : new Date(row.closed_at),
    };
  }

  private playlistOf(roomId: string): PlaylistSnapshot {
    return this.playlists.of(roomId, () => {
      const row = this.db.get<{ playlist: string }>('SELECT playlist FROM rooms WHERE id = ?', roomId);
      // Read inside the transaction that found the room's row, so only a bug can get here.
      if (!row) throw new Error(`Room ${roomId} vanished while it was read`);
      return row.playlist;
    });
  }
}

function toSummary(row: SummaryRow): RoomSummary {
  return {
    id: row.id,
    roomName: row.room_name,
    thumbnail: row.thumbnail ?? null,
    memberCount: Number(row.member_count),
    createdAt: new Date(row.created_at),
  };
}

/**
 * Moves `uid`'s read position in `roomId` forward to `messageId` when they are a member of the
 * live room and it is behind, and the position others are shown too when `shown`; returns the
 * member when either moved. Also run by `SqliteMessageStore.append` inside its transaction, for
 * the sender of each line (shown: a member who appears offline cannot send).
 */
export function moveReadPosition(
  db: SqliteDatabase,
  roomId: string,
  uid: string,
  messageId: string,
  shown: boolean,
): MemberRow | undefined {
  const show = shown ? 1 : 0;
  return db.get<MemberRow>(
    `UPDATE room_members SET
       last_read_message_id = CASE WHEN last_read_message_id IS NULL OR last_read_message_id < ?1 THEN ?1 ELSE last_read_message_id END,
       shown_read_message_id = CASE WHEN ?2 AND (shown_read_message_id IS NULL OR shown_read_message_id < ?1) THEN ?1 ELSE shown_read_message_id END
     WHERE room_id = ?3 AND uid = ?4
       AND (last_read_message_id IS NULL OR last_read_message_id < ?1 OR (?2 AND (shown_read_message_id IS NULL OR shown_read_message_id < ?1)))
       AND EXISTS (SELECT 1 FROM rooms r WHERE r.id = room_members.room_id AND r.closed_at IS NULL)
     RETURNING ${memberColumns}`,
    messageId,
    show,
    roomId,
    uid,
  );
}

function toMember(row: MemberRow): Member {
  return {
    uid: row.uid,
    nickName: row.nick_name,
    profileImage: row.profile_image,
    lastReadMessageId: row.last_read_message_id,
    shownReadMessageId: row.shown_read_message_id,
    enteredAt: new Date(row.entered_at),
  };
}
