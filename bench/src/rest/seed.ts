import { randomUUID } from 'node:crypto';
import { SqliteDatabase, SqliteMessageStore, SqliteRoomStore } from '../chat-stores';

/** Words chat lines are made of; search asks for them. */
export const WORDS = ['hello', 'groove', 'encore', 'bassline', 'chorus', 'remix', 'tempo', 'vinyl'];

/** Lines indexed for search at a time while seeding: about half a second of a busy service's lines. */
const SEARCH_INDEX_BATCH = 50;

export interface SeedOptions {
  readonly rooms: number;
  readonly messages: number;
  /** Rooms a user is in (the product's CHAT_MAX_ROOMS_PER_USER default is 4). */
  readonly roomsPerUser: number;
  /** Members per room. */
  readonly membersPerRoom: number;
  /** Tracks in each room's playlist (default 1; a playlist may hold up to 500). */
  readonly tracksPerPlaylist?: number;
}

export interface SeededRoom {
  readonly id: string;
  readonly members: readonly string[];
}

export interface Seed {
  readonly rooms: readonly SeededRoom[];
  readonly users: readonly string[];
  readonly messages: number;
  readonly memberships: number;
  readonly seconds: number;
}

/**
 * Fills `${dataDir}/chat.sqlite` before the product starts, through the chat server's SQLite
 * room and message stores: `rooms` live rooms (newest created last, `tracksPerPlaylist` tracks each), each with
 * `membersPerRoom` members, so there are rooms × membersPerRoom / roomsPerUser users, each in
 * `roomsPerUser` rooms; `messages` lines spread evenly over the rooms, sent by their members in
 * turn, stored in the order of their times (the rooms' lines interleaved) and indexed for search
 * every `SEARCH_INDEX_BATCH` lines, as a running chat server stores and indexes them. Sending moves a member's read position to their own line, so each member has read up to
 * their last line; every other member is also moved to the room's middle line where that is later.
 * All in one transaction (each store call becomes a savepoint), so it takes seconds, not minutes.
 */
export async function seedChatData(dataDir: string, options: SeedOptions): Promise<Seed> {
  const started = performance.now();
  const users = Math.max(1, Math.floor((options.rooms * options.membersPerRoom) / options.roomsPerUser));
  const userIds = Array.from({ length: users }, (_, i) => `user-${i}`);
  const db = SqliteDatabase.open(dataDir);
  const roomStore = new SqliteRoomStore(db);
  const messageStore = new SqliteMessageStore(db);
  const rooms: SeededRoom[] = [];
  const pending: Promise<unknown>[] = [];
  let messages = 0;
  let memberships = 0;
  const now = Date.now();
  // Everything recent: idle clean-up and retention must not touch the seed while the bench runs.
  const start = now - 3_600_000;
  try {
    db.transaction(() => {
      for (let r = 0; r < options.rooms; r++) {
        const createdAt = new Date(start + r * 10);
        const id = randomUUID();
        // Spread members over users so that each user ends in exactly roomsPerUser rooms.
        const members = Array.from(
          { length: options.membersPerRoom },
          (_, k) => userIds[(r + Math.floor((k * users) / options.membersPerRoom)) % users],
        );
        rooms.push({ id, members: [...new Set(members)] });
        // The store methods are async only by signature: their SQLite work is done when they return.
        pending.push(
          roomStore.create({
            id,
            roomName: `Bench room ${r}`,
            ownerUid: members[0],
            playlist: {
              id: `bench-playlist-${r}`,
              name: `Bench room ${r}`,
              musics: Array.from({ length: options.tracksPerPlaylist ?? 1 }, (_, t) => ({
                title: `Track ${r}.${t}`,
                artist: 'Bench Band',
                playtime: '3:30',
                thumbnail: `https://img.example.com/${r}/${t}.jpg`,
              })),
            },
            users: {},
            createdAt,
            lastActivityAt: new Date(now),
            closedAt: null,
          }),
        );
        for (const uid of new Set(members)) {
          pending.push(
            roomStore.join(
              id,
              { uid, nickName: uid, profileImage: null, enteredAt: createdAt },
              options.roomsPerUser,
            ),
          );
          memberships++;
        }
      }
      // Lines are stored in the order they arrive, every room's interleaved, as a chat service
      // stores them (a seed stored room by room put each room's lines in adjacent pages and its
      // search matches side by side, which flattered every per-room read, search most).
      const lines: { room: number; n: number; at: number; messageId: string }[] = [];
      const idsOf: string[][] = rooms.map(() => []);
      for (let r = 0; r < rooms.length; r++) {
        const count =
          Math.floor(options.messages / rooms.length) + (r < options.messages % rooms.length ? 1 : 0);
        for (let n = 0; n < count; n++) {
          const at = start + r * 10 + 1_000 + n * 1_000;
          const messageId = `${at.toString(16).padStart(12, '0')}${n.toString(16).padStart(6, '0')}b0b0b0b0`;
          lines.push({ room: r, n, at, messageId });
          idsOf[r].push(messageId);
        }
      }
      lines.sort((a, b) => a.at - b.at || a.room - b.room);
      for (const { room: r, n, at, messageId } of lines) {
        const room = rooms[r];
        const sender = room.members[n % room.members.length];
        pending.push(
          messageStore.append({
            messageId,
            roomId: room.id,
            clientMessageId: null,
            type: 'TALK',
            sender: { uid: sender, nickName: sender, profileImage: null },
            content: `${WORDS[n % WORDS.length]} ${WORDS[(n * 3 + r) % WORDS.length]} line ${n} of room ${r}`,
            createdAt: new Date(at),
          }),
        );
        messages++;
        // Indexed for search in batches, as the running store does every half second.
        if (messages % SEARCH_INDEX_BATCH === 0) messageStore.indexPending();
      }
      rooms.forEach((room, r) => {
        const ids = idsOf[r];
        if (ids.length > 0)
          room.members.forEach((uid, k) => {
            if (k % 2 === 0)
              pending.push(roomStore.markRead(room.id, uid, ids[Math.floor(ids.length / 2)], true));
          });
      });
    });
    // An async store call reports a failure as a rejection, after its savepoint rolled back.
    await Promise.all(pending);
  } finally {
    await roomStore.close();
    await messageStore.close();
  }
  return {
    rooms,
    users: userIds,
    messages,
    memberships,
    seconds: (performance.now() - started) / 1000,
  };
}
