import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteMessageStore } from '../../src/message-store/message-store.sqlite';
import { SqliteDatabase } from '../../src/storage/database.sqlite';

const OTHER_MESSAGES = 300_000;
const ROOM = 'room-searched';
/** Words sharing short prefixes, so a prefix query over every room would touch most of the index. */
const WORDS = [
  'abacus',
  'abandon',
  'ability',
  'able',
  'about',
  'above',
  'absent',
  'absorb',
  'abstract',
  'absurd',
];

const id = (n: number): string => n.toString(16).padStart(26, '0');

/**
 * One search must not stall the process: with 300k messages in other rooms, the longest the
 * event loop waits while prefix-heavy searches run stays small (node:sqlite runs queries on the
 * loop, so this is what every other request on the server would wait). Bounded generously:
 * it measures the design (the match is restricted to the room inside the index), not the box.
 */
describe('keyword search over a large store (SQLite)', () => {
  let dataDir: string;
  let db: SqliteDatabase;
  let store: SqliteMessageStore;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chat-search-'));
    db = SqliteDatabase.open(dataDir);
    store = new SqliteMessageStore(db);
    const insert = (n: number, roomId: string, content: string) =>
      db.run(
        `INSERT INTO messages (message_id, room_id, client_message_id, type, sender_uid, sender_nick_name, sender_profile_image, content, created_at)
         VALUES (?, ?, NULL, 'TALK', 'u', 'U', NULL, ?, ?)`,
        id(n),
        roomId,
        content,
        n,
      );
    db.transaction(() => {
      for (let n = 1; n <= OTHER_MESSAGES; n++)
        insert(n, `room-${n % 300}`, `${WORDS[n % 10]} ${WORDS[(n * 7) % 10]} line ${n} a ab abc`);
      for (let n = 1; n <= 50; n++)
        insert(OTHER_MESSAGES + n, ROOM, `${WORDS[n % 10]} in the searched room ${n}`);
    });
  }, 120_000);

  afterAll(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the event loop responsive and answers from the room only', async () => {
    const queries = [
      'a*',
      'ab*',
      'abs*',
      Array.from({ length: 16 }, () => 'abs*').join(' '),
      'ab* abs* abo* abl* abi*',
    ];
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const found: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const query of queries) {
        const page = await store.search(ROOM, query, null, 20);
        expect(page.items.every((message) => message.roomId === ROOM)).toBe(true);
        found.push(page.items.length);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    delay.disable();
    const worstMs = delay.max / 1e6;
    expect(worstMs).toBeLessThan(500);
    // Prefixes under 3 characters are whole words (none here); 'abs*' finds the 20 of 50 lines it should.
    expect(found.slice(0, queries.length)).toEqual([0, 0, 20, 20, 0]);
  });
});
