import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@playlist-chat/platform';
import { expectEventually } from '@playlist-chat/platform/testing';
import { SqliteMessageStore } from '../src/message-store/message-store.sqlite';
import { SqliteRoomStore } from '../src/room-store/room-store.sqlite';
import { SqliteDatabase } from '../src/storage/database.sqlite';
import { freshDataDir, TestChatServer } from './support/chat-server';

const HOUR = 3_600_000;
const ROOMS_WITH_CHAT = 10_000;

/**
 * Rooms with chat lines never close, so an idle-room pass steps over every one of them, every
 * run. 10,000 of them once held the event loop 0.3-0.6 s per run (every request waited); a
 * pass now reads them a page at a time and lets the loop turn in between.
 */
describe('idle-room clean-up among many rooms that have chat lines', () => {
  const clock = new ManualClock('2026-03-01T00:00:00.000Z');
  let chat: TestChatServer;

  beforeAll(async () => {
    const dataDir = freshDataDir();
    await seedRoomsWithChat(dataDir, ROOMS_WITH_CHAT, clock.now());
    chat = await TestChatServer.start(
      { CHAT_HOUSEKEEPING_INTERVAL_MS: '50', ROOM_IDLE_MINUTES: '60' },
      { clock, dataDir },
    );
  }, 60_000);
  afterAll(() => chat?.close());

  it('keeps answering within 100 ms while housekeeping runs, and still closes the quiet room', async () => {
    const owner = await chat.user();
    const quiet = await chat.createRoom(owner);
    clock.advance(2 * HOUR); // every room is idle now; only the quiet one has no chat line

    await expectEventually(
      async () => expect((await owner.api.get(`/v1/api/rooms/${quiet.id}`)).status).toBe(404),
      { timeoutMs: 20_000 },
    );
    // Passes keep running every 50 ms over the 10,000 rooms that stay open: probe for 1.5 s.
    const slowest = await slowestAnswer(chat.url, 1_500);
    expect(slowest).toBeLessThan(100);
  }, 60_000);
});

/** The slowest `/health/live` answer, in ms, of probes every 10 ms for `forMs`. */
async function slowestAnswer(url: string, forMs: number): Promise<number> {
  let slowest = 0;
  const until = performance.now() + forMs;
  while (performance.now() < until) {
    const started = performance.now();
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    slowest = Math.max(slowest, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return slowest;
}

/** `count` live rooms, each with one TALK line, written to the SQLite file before the server starts. */
async function seedRoomsWithChat(dataDir: string, count: number, now: Date): Promise<void> {
  const db = SqliteDatabase.open(dataDir);
  const rooms = new SqliteRoomStore(db);
  const messages = new SqliteMessageStore(db);
  try {
    const pending: Promise<unknown>[] = [];
    db.transaction(() => {
      for (let n = 0; n < count; n++) {
        const id = randomUUID();
        const owner = { uid: `owner-${n}`, nickName: `Owner ${n}`, profileImage: null };
        pending.push(
          rooms.create({
            id,
            roomName: `room ${n}`,
            ownerUid: owner.uid,
            playlist: { id: `playlist-${n}`, name: `room ${n}`, musics: [] },
            users: {
              [owner.uid]: { ...owner, lastReadMessageId: null, shownReadMessageId: null, enteredAt: now },
            },
            createdAt: now,
            lastActivityAt: now,
            closedAt: null,
          }),
          messages.append({
            messageId: `${now.getTime().toString(16).padStart(12, '0')}${n.toString(16).padStart(6, '0')}aaaaaaaa`,
            roomId: id,
            clientMessageId: null,
            type: 'TALK',
            sender: owner,
            content: `line of room ${n}`,
            createdAt: now,
          }),
        );
      }
    });
    await Promise.all(pending);
  } finally {
    await Promise.all([rooms.close(), messages.close()]);
  }
}
