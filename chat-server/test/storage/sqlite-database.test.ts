import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectEventually } from '@playlist-chat/platform/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { aMessage, messageId } from './message-store.contract';
import { SqliteMessageStore } from '../../src/message-store/message-store.sqlite';
import { parseSearchTerms } from '../../src/message-store/search-terms';
import { aMember, aRoom } from './room-store.contract';
import { SqliteRoomStore } from '../../src/room-store/room-store.sqlite';
import type { StoredMessage } from '../../src/message-store/message.model';
import type { Member, Room } from '../../src/room-store/room.model';
import { SqliteSearchOutbox } from '../../src/search-index/search-outbox.sqlite';
import { SqliteDatabase } from '../../src/storage/database.sqlite';
import { SqliteLeaseStore } from '../../src/storage/lease-store.sqlite';
import { migrations } from '../../src/storage/migrations.sqlite';
import { indexedSearchWords, roomSearchKey } from '../../src/storage/search-index-words';

describe('SQLite database', () => {
  let dataDir: string;
  const opened: SqliteDatabase[] = [];
  const open = (...args: Parameters<typeof SqliteDatabase.open>): SqliteDatabase => {
    const db = SqliteDatabase.open(...args);
    opened.push(db);
    return db;
  };
  // Closed before their connections, so no search-index timer outlives its test's file.
  const messageStores: SqliteMessageStore[] = [];
  const messageStore = (db: SqliteDatabase): SqliteMessageStore => {
    const store = new SqliteMessageStore(db);
    messageStores.push(store);
    return store;
  };

  /**
   * Appends `message` as the store did before schema 12 (no search_text), to a file of an older
   * schema (5 or later): today's store writes columns such a file does not have yet.
   */
  const appendBefore12 = (db: SqliteDatabase, message: StoredMessage): void => {
    const seq =
      (db.get<{ last: number }>(
        'SELECT last_seq AS last FROM room_sequences WHERE room_id = ?',
        message.roomId,
      )?.last ?? 0) + 1;
    db.run(
      `INSERT INTO messages (message_id, room_id, client_message_id, type, sender_uid, sender_nick_name, sender_profile_image, content, created_at, room_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      message.messageId,
      message.roomId,
      message.clientMessageId,
      message.type,
      message.sender.uid,
      message.sender.nickName,
      message.sender.profileImage,
      message.content,
      message.createdAt.getTime(),
      seq,
    );
    db.run(
      `INSERT INTO room_sequences (room_id, last_seq, last_message_id) VALUES (?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET last_seq = excluded.last_seq, last_message_id = excluded.last_message_id`,
      message.roomId,
      seq,
      message.messageId,
    );
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chat-db-'));
  });

  afterEach(async () => {
    for (const store of messageStores.splice(0)) await store.close();
    for (const db of opened.splice(0)) {
      db.close();
      await db.closed(); // a checkpoint thread lets go of the files before they are removed
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the data folder and chat.sqlite in it, in WAL mode with foreign keys on', () => {
    const nested = join(dataDir, 'not', 'yet', 'there');
    const db = open(nested);
    expect(db.path).toBe(join(nested, 'chat.sqlite'));
    expect(existsSync(db.path)).toBe(true);
    expect(db.get<{ journal_mode: string }>('PRAGMA journal_mode')?.journal_mode).toBe('wal');
    expect(db.get<{ foreign_keys: number }>('PRAGMA foreign_keys')?.foreign_keys).toBe(1);
    expect(db.get<{ synchronous: number }>('PRAGMA synchronous')?.synchronous).toBe(1);
    expect(db.get<{ timeout: number }>('PRAGMA busy_timeout')?.timeout).toBeGreaterThan(0);
  });

  it('applies every migration once and records it', () => {
    open(dataDir).close();
    const db = open(dataDir);
    expect(
      db
        .all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
        .map((row) => row.version),
    ).toEqual(migrations.map((migration) => migration.version));
  });

  it('applies only the new migrations to an existing file', () => {
    open(dataDir, { migrations: migrations.slice(0, 1) }).close();
    const db = open(dataDir);
    expect(
      db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version'),
    ).toHaveLength(migrations.length);
    expect(
      db.get<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name = 'messages_fts'")?.n,
    ).toBe(1);
  });

  it('says what an upgrade does, step by step (and nothing for a new file)', () => {
    const told: string[] = [];
    const tell = (line: string) => void told.push(line);
    open(dataDir, { migrations: migrations.slice(0, 1), onMigration: tell }).close();
    expect(told).toEqual([]);

    told.length = 0;
    open(dataDir, { onMigration: tell }).close();
    const latest = migrations.at(-1)!.version;
    expect(told[0]).toMatch(
      new RegExp(`^upgrading .*chat\\.sqlite from schema 1 to ${latest}: ${migrations.length - 1} step`),
    );
    const steps = told.slice(1, -1);
    expect(steps).toHaveLength(migrations.length - 1);
    for (const [index, step] of steps.entries())
      expect(step).toMatch(
        new RegExp(`^schema ${migrations[index + 1].version} \\(.*\\) applied in \\d+ ms$`),
      );
    expect(told.at(-1)).toMatch(new RegExp(`is at schema ${latest} \\(\\d+ ms\\)$`));

    told.length = 0;
    open(dataDir, { onMigration: tell }).close();
    expect(told).toEqual([]); // nothing to do, nothing said
  });

  it("waits for another process's upgrade step (it holds the write lock) instead of failing at the busy timeout", async () => {
    open(dataDir, { migrations: migrations.slice(0, 1) }).close();
    // Another process takes the write lock and keeps it 1.5 s, as a long upgrade step does.
    const { exited } = await writeLockHeldByAnotherProcess(join(dataDir, 'chat.sqlite'), 1_500);

    const told: string[] = [];
    const started = Date.now();
    const db = open(dataDir, { busyTimeoutMs: 100, onMigration: (line) => void told.push(line) });

    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(told[1]).toMatch(
      /chat\.sqlite is locked by another process \(its own upgrade, most likely\): waiting/,
    );
    expect(db.all('SELECT version FROM schema_migrations')).toHaveLength(migrations.length);
    expect(await exited).toBe(0);
  });

  it('waits for another process writing a file not yet in WAL mode (two starting on a new file) instead of failing at once', async () => {
    // SQLite answers the switch to WAL with SQLITE_BUSY at once, without waiting the busy
    // timeout, while another connection writes a file still in its first (rollback) journal mode.
    const { exited } = await writeLockHeldByAnotherProcess(join(dataDir, 'chat.sqlite'), 700, [
      'CREATE TABLE first_writer (x)',
      'BEGIN IMMEDIATE',
      'INSERT INTO first_writer VALUES (1)',
    ]);

    const db = open(dataDir, { busyTimeoutMs: 2_000 });
    expect(db.get<{ journal_mode: string }>('PRAGMA journal_mode')?.journal_mode).toBe('wal');
    expect(db.all('SELECT version FROM schema_migrations')).toHaveLength(migrations.length);
    db.close();
    expect(await exited).toBe(0);
  });

  it('keeps the lines to this user: a new folder 0700, the file and its log 0600', () => {
    const fresh = join(dataDir, 'fresh');
    const db = open(fresh);
    db.run('CREATE TABLE probe (x)'); // a write, so the log exists
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(fresh)).toBe(0o700);
    for (const file of ['chat.sqlite', 'chat.sqlite-wal', 'chat.sqlite-shm'])
      expect(mode(join(fresh, file))).toBe(0o600);
  });

  it('leaves the file unchanged when a migration fails, and says which one', () => {
    const broken = [
      ...migrations,
      {
        version: 99,
        name: 'broken on purpose',
        sql: 'CREATE TABLE half_done (x); SELECT * FROM no_such_table;',
      },
    ];
    expect(() => open(dataDir, { migrations: broken })).toThrow(/migration 99 \(broken on purpose\)/);
    const db = open(dataDir);
    expect(db.get<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'")?.n).toBe(
      0,
    );
    expect(db.get<{ v: number }>('SELECT max(version) AS v FROM schema_migrations')?.v).toBe(
      migrations.at(-1)?.version,
    );
  });

  it("lists the rooms of a file written before the thumbnail column with their first track's thumbnail", async () => {
    const before = open(dataDir, { migrations: migrations.filter((migration) => migration.version < 6) });
    const withTracks = aRoom({ id: 'with-tracks' });
    const without = aRoom({ id: 'without-tracks' });
    for (const room of [
      withTracks,
      { ...without, playlist: { ...without.playlist, id: 'empty', musics: [] } },
    ])
      before.run(
        `INSERT INTO rooms (id, playlist_id, room_name, owner_uid, playlist, created_at, last_activity_at)
         VALUES (?, ?, ?, ?, ?, 0, 0)`,
        room.id,
        room.playlist.id,
        room.roomName,
        room.ownerUid,
        JSON.stringify(room.playlist),
      );
    before.close();

    const listed = await new SqliteRoomStore(open(dataDir)).listAll();

    expect(Object.fromEntries(listed.map((room) => [room.id, room.thumbnail]))).toEqual({
      'with-tracks': withTracks.playlist.musics[0].thumbnail,
      'without-tracks': null,
    });
  });

  it('numbers the lines of a file written before per-room places, in id order, and goes on from there', async () => {
    const before = open(dataDir, { migrations: migrations.filter((migration) => migration.version < 5) });
    for (const [n, roomId] of [
      [3, 'r'],
      [1, 'r'],
      [4, 'other'],
      [2, 'r'],
    ] as const)
      before.run(
        `INSERT INTO messages (message_id, room_id, client_message_id, type, sender_uid, sender_nick_name, sender_profile_image, content, created_at)
         VALUES (?, ?, NULL, 'TALK', 'ann', 'Ann', NULL, ?, 0)`,
        messageId(n),
        roomId,
        `line ${n}`,
      );
    before.close();
    const db = open(dataDir);
    expect(
      db.all<{ message_id: string; room_seq: number }>(
        "SELECT message_id, room_seq FROM messages WHERE room_id = 'r' ORDER BY room_seq",
      ),
    ).toEqual([1, 2, 3].map((n) => ({ message_id: messageId(n), room_seq: n })));
    const appended = await messageStore(db).append(aMessage('r', 1, { content: 'after the upgrade' }));
    expect(appended.seq).toBe(4);
    expect(appended.message.messageId > messageId(3)).toBe(true);
  });

  it('refuses a file written by a newer build', () => {
    open(dataDir, {
      migrations: [...migrations, { version: 50, name: 'from the future', sql: 'CREATE TABLE future (x)' }],
    }).close();
    expect(() => open(dataDir)).toThrow(/schema version 50, newer than this build knows/);
  });

  it('rolls a transaction back when its callback throws, savepoints included', () => {
    const db = open(dataDir);
    db.exec('CREATE TABLE t (x INTEGER)');
    expect(() =>
      db.transaction(() => {
        db.run('INSERT INTO t (x) VALUES (1)');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    db.transaction(() => {
      db.run('INSERT INTO t (x) VALUES (2)');
      expect(() =>
        db.transaction(() => {
          db.run('INSERT INTO t (x) VALUES (3)');
          throw new Error('inner');
        }),
      ).toThrow('inner');
    });
    expect(db.all<{ x: number }>('SELECT x FROM t ORDER BY x')).toEqual([{ x: 2 }]);
  });

  it('refuses an async transaction callback and keeps none of its writes', () => {
    const db = open(dataDir);
    db.exec('CREATE TABLE t (x INTEGER)');
    expect(() =>
      db.transaction(async () => {
        db.run('INSERT INTO t (x) VALUES (1)');
      }),
    ).toThrow(/synchronous/);
    expect(db.all('SELECT x FROM t')).toEqual([]);
  });

  it("reads rows as plain objects keyed by column name, with SQLite's values, as node:sqlite does", () => {
    const db = open(dataDir);
    const row = db.get<Record<string, unknown>>(
      "SELECT 1 AS a, 'x' AS b, NULL AS c, 2.5 AS d, x'00ff' AS e, 3 AS a, 'own' AS __proto__, 'k' AS constructor",
    );
    // Two columns of one name: the last wins, as in node:sqlite's own row objects.
    expect(row).toEqual({
      a: 3,
      b: 'x',
      c: null,
      d: 2.5,
      e: new Uint8Array([0, 255]),
      constructor: 'k',
      ['__proto__']: 'own',
    });
    expect(Object.keys(row!)).toEqual(['a', 'b', 'c', 'd', 'e', '__proto__', 'constructor']);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(db.all<{ n: number }>('SELECT value AS n FROM json_each(?)', '[1,2,3]')).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 3 },
    ]);
    expect(db.get('SELECT 1 AS n WHERE 0')).toBeUndefined();
  });

  it("reads inside read() from one snapshot: another connection's write lands after it", () => {
    const db = open(dataDir);
    db.exec('CREATE TABLE t (x INTEGER)');
    const other = open(dataDir);
    const seen = db.read(() => {
      const before = db.all<{ x: number }>('SELECT x FROM t');
      other.run('INSERT INTO t (x) VALUES (1)');
      return [before, db.all<{ x: number }>('SELECT x FROM t')];
    });
    expect(seen).toEqual([[], []]);
    expect(db.all('SELECT x FROM t')).toEqual([{ x: 1 }]);
  });

  it('ends a read() whose callback throws or is async, and runs read() inside a transaction', () => {
    const db = open(dataDir);
    db.exec('CREATE TABLE t (x INTEGER)');
    expect(() =>
      db.read(() => {
        db.get('SELECT x FROM t');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(() => db.read(async () => db.get('SELECT x FROM t'))).toThrow(/synchronous/);
    // The connection is not left in a transaction: a write from another connection goes through.
    open(dataDir).run('INSERT INTO t (x) VALUES (1)');
    db.transaction(() => {
      db.run('INSERT INTO t (x) VALUES (2)');
      expect(db.read(() => db.all('SELECT x FROM t ORDER BY x'))).toEqual([{ x: 1 }, { x: 2 }]);
    });
    expect(db.all('SELECT x FROM t ORDER BY x')).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it('closes the shared connection when the last store closes', async () => {
    const db = open(dataDir);
    const rooms = new SqliteRoomStore(db);
    const messages = messageStore(db);
    await rooms.close();
    expect(db.isOpen).toBe(true);
    expect(await messages.latest('any-room')).toBeNull();
    await messages.close();
    expect(db.isOpen).toBe(false);
    await expect(rooms.get('any-room')).rejects.toThrow();
  });

  it('keeps the data of both stores in the one chat.sqlite file', async () => {
    const db = open(dataDir);
    const rooms = new SqliteRoomStore(db);
    const messages = messageStore(db);
    const room = aRoom();
    await rooms.create(room);
    await messages.append(aMessage(room.id, 1));
    const other = open(dataDir);
    expect(other.get<{ n: number }>('SELECT count(*) AS n FROM rooms')?.n).toBe(1);
    expect(other.get<{ n: number }>('SELECT count(*) AS n FROM messages')?.n).toBe(1);
  });

  it("parses a room's playlist once and hands that frozen snapshot out again, within CHAT_SQLITE_PLAYLIST_CACHE_MB", async () => {
    const db = open(dataDir);
    const rooms = new SqliteRoomStore(db, { playlistCacheMb: 1 });
    const room = aRoom({ ownerUid: 'ann' });
    const long = aRoom({ ownerUid: 'bob' });
    // 500 tracks with 2,100-character thumbnails: over 1 MiB of JSON, more than the whole cache.
    const track = {
      title: 'Song',
      artist: 'Band',
      playtime: '3:30',
      thumbnail: `https://img.test/${'x'.repeat(2_080)}`,
    };
    await rooms.create(room);
    await rooms.create({
      ...long,
      playlist: { ...long.playlist, musics: Array.from({ length: 500 }, () => track) },
    });

    const kept = (await rooms.get(room.id))?.playlist;
    expect(kept?.musics).toEqual(room.playlist.musics);
    expect([Object.isFrozen(kept), Object.isFrozen(kept?.musics), Object.isFrozen(kept?.musics[0])]).toEqual([
      true,
      true,
      true,
    ]);
    // Another connection rewrites the stored JSON, which the product never does (a snapshot
    // never changes): what this store hands out shows whether it read the file again.
    open(dataDir).run(
      `UPDATE rooms SET playlist = json_set(playlist, '$.name', 'rewritten') WHERE id IN (?, ?)`,
      room.id,
      long.id,
    );
    expect((await rooms.get(room.id))?.playlist).toBe(kept);
    expect((await rooms.membership(room.id, 'ann'))?.room.playlist).toBe(kept);
    expect((await rooms.get(long.id))?.playlist.name).toBe('rewritten'); // too long to keep
    expect((await new SqliteRoomStore(db, { playlistCacheMb: 0 }).get(room.id))?.playlist.name).toBe(
      'rewritten',
    );
  });

  it('compiles each statement once: running it again with other values, limits included, compiles nothing', async () => {
    const db = open(dataDir);
    const rooms = new SqliteRoomStore(db);
    const messages = messageStore(db);
    const outbox = new SqliteSearchOutbox(db);
    const leases = new SqliteLeaseStore(db);
    const seeded: { room: Room; member: Member; line: string }[] = [];
    for (let n = 0; n < 3; n++) {
      const room = aRoom({ ownerUid: `owner-${n}`, createdAt: new Date(Date.UTC(2026, 0, 1 + n)) });
      await rooms.create(room);
      const member = { ...aMember(`member-${n}`), enteredAt: room.createdAt };
      await rooms.join(room.id, member, 4);
      for (let line = 1; line <= 4; line++)
        await messages.append(aMessage(room.id, n * 10 + line, { content: `hello groove ${line}` }));
      seeded.push({ room, member, line: messageId(n * 10 + 2) });
    }
    // What the server runs on every chat line and every REST read, with values that change from
    // one call to the next. A statement SQLite compiles again whenever a parameter is bound (as
    // it does a plain `LIMIT ?`) would compile on every call. (A table that grows a lot may
    // still make SQLite plan a statement again now and then; nothing here grows that much.)
    const everyCall = async (call: number) => {
      const { room, member, line } = seeded[call % seeded.length];
      const page = { limit: 1 + call };
      const sent = await messages.append(aMessage(room.id, 100 + call));
      await rooms.markRead(room.id, member.uid, sent.message.messageId, true);
      await rooms.touch(room.id, new Date(room.createdAt.getTime() + call));
      await rooms.join(room.id, { ...aMember(`guest-${call}`), enteredAt: room.createdAt }, 4);
      await rooms.exit(room.id, `guest-${call}`);
      const [first] = await rooms.listAll(page);
      const after = { createdAt: first.createdAt, id: first.id };
      await rooms.listAll({ ...page, after });
      await rooms.listJoined(member.uid, page);
      await rooms.listJoined(member.uid, { ...page, after });
      await rooms.listUnjoined(`stranger-${call}`, page);
      await rooms.listUnjoined(`stranger-${call}`, { ...page, after });
      await rooms.get(room.id);
      await rooms.membership(room.id, member.uid);
      await rooms.standing(room.id, member.uid);
      await messages.listAfter(room.id, null, 2 + call);
      await messages.listAfter(room.id, line, 3 + call);
      await messages.listBefore(room.id, null, 2 + call);
      await messages.listBefore(room.id, line, 3 + call);
      await messages.countAfter([
        { roomId: room.id, afterMessageId: null },
        { roomId: room.id, afterMessageId: line },
      ]);
      await messages.search(room.id, call % 2 ? 'hello' : 'groove', null, 2 + call);
      await messages.latest(room.id);
      await messages.has(room.id, line);
      await outbox.due(new Date(), 1 + call);
      await outbox.retry(room.id, new Date(), `failed ${call}`);
      await outbox.pendingCount();
      await leases.tryAcquire(`lease-${call % 2}`, `owner-${call}`, 1_000, new Date());
      await leases.release(`lease-${call % 2}`, `owner-${call}`);
    };
    await everyCall(0);
    const compiled: string[] = [];
    db.observeCompilations(({ action, first, second }) => compiled.push(`${action} ${first} ${second}`));
    await everyCall(1); // installing the observer makes every cached statement compile once more
    expect(compiled.length).toBeGreaterThan(0);
    compiled.length = 0;
    for (let call = 2; call < 8; call++) await everyCall(call);
    expect([...new Set(compiled)]).toEqual([]);
  });

  it("reads a member's room summaries from an index, never the rooms' rows with their playlists (schema 9)", async () => {
    const db = open(dataDir);
    const rooms = new SqliteRoomStore(db);
    const room = aRoom({ ownerUid: 'ann' });
    await rooms.create(room);
    // The statements the joined list runs, as SQLite will plan them on this file.
    const statements: { sql: string; params: unknown[] }[] = [];
    const all = db.all.bind(db);
    vi.spyOn(db, 'all').mockImplementation((sql, ...params) => {
      statements.push({ sql, params });
      return all(sql, ...params);
    });
    expect((await rooms.listJoined('ann', { limit: 20 })).map((r) => r.id)).toEqual([room.id]);
    vi.restoreAllMocks();
    const plans = statements.map(({ sql, params }) =>
      db
        .all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...(params as string[]))
        .map((row) => row.detail),
    );
    // A summary's created_at and thumbnail sit after the playlist in a rooms row: reading them
    // there walks every overflow page of a long playlist.
    expect(plans.flat().filter((detail) => /\bSEARCH r\b/.test(detail))).toEqual([
      expect.stringMatching(/^SEARCH r USING COVERING INDEX rooms_summary_by_id \(id=\?/),
    ]);
  });

  it('purges in batches and keeps the search index in step', async () => {
    const db = open(dataDir);
    const messages = messageStore(db);
    const old = new Date(Date.UTC(2025, 0, 1));
    db.transaction(() => {
      for (let n = 1; n <= 4_500; n += 1) {
        db.run(
          `INSERT INTO messages (message_id, room_id, client_message_id, type, sender_uid, sender_nick_name, sender_profile_image, content, created_at)
           VALUES (?, 'bulk', NULL, 'TALK', 'ann', 'Ann', NULL, ?, ?)`,
          `m-${String(n).padStart(8, '0')}`,
          `old line ${n}`,
          old.getTime(),
        );
      }
    });
    await messages.append(
      aMessage('bulk', 9_999, { content: 'fresh line', createdAt: new Date(Date.UTC(2026, 0, 1)) }),
    );
    expect(await messages.purgeOlderThan(new Date(Date.UTC(2025, 6, 1)))).toBe(4_500);
    expect((await messages.search('bulk', 'line', null, 10)).items.map((message) => message.content)).toEqual(
      ['fresh line'],
    );
    // The FTS index agrees with its content table (FTS5's own consistency check).
    expect(() =>
      db.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"),
    ).not.toThrow();
  });
  it('purges in the order lines were stored, up to the first one not yet due (schema 11)', async () => {
    const db = open(dataDir);
    const messages = messageStore(db);
    const day = 86_400_000;
    const t0 = Date.UTC(2025, 0, 1);
    // The second line was stored after the first but says it is older (a clock set back).
    await messages.append(aMessage('room-a', 1, { createdAt: new Date(t0 + 10 * day) }));
    await messages.append(aMessage('room-a', 2, { createdAt: new Date(t0) }));
    await messages.append(aMessage('room-a', 3, { createdAt: new Date(t0 + 20 * day) }));
    expect(await messages.purgeOlderThan(new Date(t0 + day))).toBe(0);
    expect(await messages.purgeOlderThan(new Date(t0 + 11 * day))).toBe(2);
    expect((await messages.listAfter('room-a', null, 10)).map((line) => line.messageId)).toEqual([
      messageId(3),
    ]);
  });

  it('writes at most 9 pages to the log for a chat line: one per table and index it changes (schema 11)', async () => {
    const db = open(dataDir, { checkpointIntervalMs: 0 });
    const rooms = new SqliteRoomStore(db);
    const messages = messageStore(db);
    const sender = (uid: string) => ({ uid, nickName: uid, profileImage: null });
    const seeded: { room: Room; uid: string }[] = [];
    for (let n = 0; n < 40; n++) {
      const room = aRoom({ ownerUid: `owner-${n}` });
      await rooms.create(room);
      await rooms.join(room.id, aMember(`member-${n}`), 4);
      for (let line = 1; line <= 20; line++)
        await messages.append(aMessage(room.id, n * 100 + line, { sender: sender(`member-${n}`) }));
      seeded.push({ room, uid: `member-${n}` });
    }
    messages.indexPending();
    // An empty log that only grows while this test counts (after a checkpoint SQLite writes the
    // log from its start again, and its size no longer says what was written).
    db.get('PRAGMA wal_autocheckpoint = 0');
    db.get('PRAGMA wal_checkpoint(TRUNCATE)');
    const logBytes = (): number => statSync(`${db.path}-wal`).size;
    const before = logBytes();
    const lines = 200;
    for (let call = 0; call < lines; call++) {
      const { room, uid } = seeded[(call * 7) % seeded.length];
      await messages.append(
        aMessage(room.id, 10_000 + call, {
          clientMessageId: `client-${call}`,
          sender: sender(uid),
        }),
      );
    }
    const pageWithHeader = db.get<{ page_size: number }>('PRAGMA page_size')!.page_size + 24;
    const pagesPerLine = (logBytes() - before) / pageWithHeader / lines;
    // messages, its three indexes (message_id, room + client id, room + id), the search
    // index's pending list, room_sequences and the sender's read position: 7, and a split now
    // and then (7.9 here; 10.3 before schema 11). Each page is two writes to the log.
    expect(pagesPerLine).toBeGreaterThan(6);
    expect(pagesPerLine).toBeLessThanOrEqual(9);
  });

  describe('search index fed in batches (schema 7)', () => {
    /** Lines of `roomId` the index holds `word` for, asked as the index holds it (schema 13). */
    const indexed = (db: SqliteDatabase, word: string, roomId = 'r'): number =>
      db.get<{ n: number }>(
        'SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH ?',
        `"${indexedSearchWords(roomId, word)}"`,
      )?.n ?? -1;
    const pending = (db: SqliteDatabase): number =>
      db.get<{ n: number }>('SELECT count(*) AS n FROM messages_fts_pending')?.n ?? -1;
    const consistent = (db: SqliteDatabase) =>
      db.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");
    const words = async (store: SqliteMessageStore, query: string) =>
      (await store.search('r', query, null, 50)).items.map((message) => message.content).sort();

    it('leaves an appended line pending until a search, which indexes it first and finds it', async () => {
      const db = open(dataDir);
      const messages = messageStore(db);
      for (const n of [1, 2, 3]) await messages.append(aMessage('r', n, { content: `groove ${n}` }));
      expect(pending(db)).toBe(3);
      expect(indexed(db, 'groove')).toBe(0);

      expect(await words(messages, 'groove')).toEqual(['groove 1', 'groove 2', 'groove 3']);
      expect(pending(db)).toBe(0);
      expect(indexed(db, 'groove')).toBe(3);
      expect(() => consistent(db)).not.toThrow();
    });

    it('still answers a search from what is indexed when indexing cannot write (the file is locked, or the disk full)', async () => {
      const db = open(dataDir, { busyTimeoutMs: 50 });
      const messages = messageStore(db);
      await messages.append(aMessage('r', 1, { content: 'groove indexed' }));
      messages.indexPending();
      await messages.append(aMessage('r', 2, { content: 'groove pending' }));
      const other = new DatabaseSync(join(dataDir, 'chat.sqlite'));
      other.exec('BEGIN IMMEDIATE'); // another process writes for a while
      try {
        expect(await words(messages, 'groove')).toEqual(['groove indexed']);
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      expect(await words(messages, 'groove')).toEqual(['groove indexed', 'groove pending']);
    });

    it('indexes pending lines on its own within a second, without a search', async () => {
      const db = open(dataDir);
      const messages = messageStore(db);
      await messages.append(aMessage('r', 1, { content: 'encore please' }));
      await expectEventually(() => expect(indexed(db, 'encore')).toBe(1), { timeoutMs: 3_000 });
      expect(pending(db)).toBe(0);
    });

    it('keeps the index consistent when pending or indexed lines are deleted or edited', async () => {
      const db = open(dataDir);
      const messages = messageStore(db);
      const old = new Date(Date.UTC(2025, 0, 1));
      await messages.append(aMessage('r', 1, { content: 'vinyl indexed old', createdAt: old }));
      await messages.append(aMessage('r', 2, { content: 'vinyl indexed kept' }));
      await messages.append(aMessage('r', 3, { content: 'vinyl indexed edited' }));
      messages.indexPending();
      await messages.append(aMessage('r', 4, { content: 'vinyl pending deleted' }));
      await messages.append(aMessage('r', 5, { content: 'vinyl pending edited' }));
      expect(pending(db)).toBe(2);

      expect(await messages.purgeOlderThan(new Date(Date.UTC(2025, 6, 1)))).toBe(1);
      db.run("DELETE FROM messages WHERE content = 'vinyl pending deleted'");
      db.run("UPDATE messages SET content = 'tempo indexed now' WHERE content = 'vinyl indexed edited'");
      db.run("UPDATE messages SET content = 'tempo pending now' WHERE content = 'vinyl pending edited'");

      expect(await words(messages, 'vinyl')).toEqual(['vinyl indexed kept']);
      expect(await words(messages, 'tempo')).toEqual(['tempo indexed now', 'tempo pending now']);
      expect(() => consistent(db)).not.toThrow();
    });

    it("indexes another connection's lines: a search on one finds what the other appended", async () => {
      const writer = messageStore(open(dataDir));
      const readerDb = open(dataDir);
      const reader = messageStore(readerDb);
      await writer.append(aMessage('r', 1, { content: 'chorus from the other process' }));
      expect(await words(reader, 'chorus')).toEqual(['chorus from the other process']);
      expect(pending(readerDb)).toBe(0);
    });

    it('keeps the index in few segments however many small batches fed it (schema 8)', async () => {
      const db = open(dataDir);
      const messages = messageStore(db);
      // One line per batch, as a quiet room's lines arrive between two indexing ticks.
      for (let n = 1; n <= 200; n++) {
        await messages.append(aMessage('r', n, { content: `groove ${n}` }));
        messages.indexPending();
      }
      const segments = db.get<{ n: number }>('SELECT count(DISTINCT segid) AS n FROM messages_fts_idx')?.n;
      // FTS5's own merging alone left 10 segments here; each is one more lookup per search word.
      expect(segments).toBeLessThanOrEqual(4);
      expect(indexed(db, 'groove')).toBe(200);
      expect(() => consistent(db)).not.toThrow();
    });

    describe("a word in the index lists one room's lines (schema 13)", () => {
      const roomA = '3f2a9c1e-0b4d-4e8f-9a7b-5c6d7e8f9a0b';
      const roomB = '3f2a9c1e-0b4d-4e8f-9a7b-000000000000';
      /** The words the index holds, through FTS5's own vocabulary table. */
      const indexWords = (db: SqliteDatabase): string[] => {
        db.exec(
          "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_words USING fts5vocab(main, 'messages_fts', 'row')",
        );
        return db
          .all<{ term: string }>('SELECT term FROM temp.fts_words ORDER BY term')
          .map((row) => row.term);
      };
      const keyed = (roomId: string, ...words: string[]) => words.map((word) => roomSearchKey(roomId) + word);
      const found = async (store: SqliteMessageStore, roomId: string, query: string) =>
        (await store.search(roomId, query, null, 50)).items.map((message) => message.content).sort();

      it("holds each word glued to its room's key, and finds only that room's lines", async () => {
        const db = open(dataDir);
        const messages = messageStore(db);
        await messages.append(aMessage(roomA, 1, { content: 'Groove in A' }));
        await messages.append(aMessage(roomB, 2, { content: 'groove in b' }));

        expect(await found(messages, roomA, 'groove')).toEqual(['Groove in A']);
        expect(await found(messages, roomB, 'groo*')).toEqual(['groove in b']);
        // Before schema 13 the index held one "groove" listing both rooms' lines, and the room apart.
        expect(indexWords(db)).toEqual(
          [...keyed(roomA, 'a', 'groove', 'in'), ...keyed(roomB, 'b', 'groove', 'in')].sort(),
        );
        expect(roomSearchKey(roomA)).toMatch(/^[0-9a-v]{8}$/);
        expect(() => consistent(db)).not.toThrow();
      });

      it('tells apart two ids that differ only in their dashes', async () => {
        const db = open(dataDir);
        const messages = messageStore(db);
        await messages.append(aMessage('a-bc', 1, { content: 'tempo one' }));
        await messages.append(aMessage('ab-c', 2, { content: 'tempo two' }));
        expect(await found(messages, 'a-bc', 'tempo')).toEqual(['tempo one']);
        expect(await found(messages, 'ab-c', 'tempo')).toEqual(['tempo two']);
      });

      it('tells apart two rooms whose keys are the same', async () => {
        // Found by trying ids in turn: 40-bit keys meet about once in a million rooms.
        const [first, second] = ['room-1099094', 'room-1121296'];
        expect(roomSearchKey(first)).toBe(roomSearchKey(second));
        const db = open(dataDir);
        const messages = messageStore(db);
        await messages.append(aMessage(first, 1, { content: 'chorus in the first' }));
        await messages.append(aMessage(second, 2, { content: 'chorus in the second' }));
        expect(await found(messages, first, 'chorus')).toEqual(['chorus in the first']);
        expect(await found(messages, second, 'chorus')).toEqual(['chorus in the second']);
      });

      it('re-indexes a file written before schema 13, keeping pending lines pending', async () => {
        const before = open(dataDir, {
          migrations: migrations.filter((migration) => migration.version < 13),
        });
        appendBefore12(before, aMessage(roomA, 1, { content: 'vinyl indexed before' }));
        appendBefore12(before, aMessage(roomB, 2, { content: 'vinyl in the other room' }));
        // Indexed as schema 12 did: the room's token beside the search text.
        before.exec(`INSERT INTO messages_fts (rowid, room_token, content)
          SELECT m.seq, m.room_token, coalesce(m.search_text, m.content) FROM messages_fts_pending p JOIN messages m ON m.seq = p.seq;
          DELETE FROM messages_fts_pending`);
        appendBefore12(before, aMessage(roomA, 3, { content: 'vinyl pending before' }));
        before.close();

        const db = open(dataDir);
        expect(pending(db)).toBe(1);
        expect(indexWords(db)).toEqual(
          [
            ...keyed(roomA, 'before', 'indexed', 'vinyl'),
            ...keyed(roomB, 'in', 'other', 'room', 'the', 'vinyl'),
          ].sort(),
        );
        const messages = messageStore(db);
        expect(await found(messages, roomA, 'vinyl')).toEqual([
          'vinyl indexed before',
          'vinyl pending before',
        ]);
        expect(await found(messages, roomB, 'vinyl')).toEqual(['vinyl in the other room']);
        // What schema 12 read the index from is gone: the store computes each line's words.
        const columnNames = db.all<{ name: string }>('SELECT name FROM pragma_table_xinfo(?)', 'messages');
        expect(columnNames.map((column) => column.name)).not.toContain('search_text');
        expect(columnNames.map((column) => column.name)).not.toContain('room_token');
        expect(() => consistent(db)).not.toThrow();
      });
    });

    describe('words inside CJK text, NFKC (schema 12)', () => {
      const found = async (store: SqliteMessageStore, query: string) =>
        (await store.search('r', query, null, 50)).items.map((message) => message.content).sort();

      it('finds CJK lines of a file written before schema 12, indexed or pending, shown as sent', async () => {
        const before = open(dataDir, {
          migrations: migrations.filter((migration) => migration.version < 12),
        });
        const nfd = '음악을 좋아해요'.normalize('NFD');
        appendBefore12(before, aMessage('r', 1, { content: '我爱音乐' }));
        appendBefore12(before, aMessage('r', 2, { content: nfd }));
        appendBefore12(before, aMessage('r', 3, { content: 'ﬁne tuning' }));
        appendBefore12(before, aMessage('r', 4, { content: 'plain ascii line' }));
        // Indexed as schema 11 did: the content as written.
        before.exec(`INSERT INTO messages_fts (rowid, room_token, content)
          SELECT m.seq, m.room_token, m.content FROM messages_fts_pending p JOIN messages m ON m.seq = p.seq;
          DELETE FROM messages_fts_pending`);
        appendBefore12(before, aMessage('r', 5, { content: '東京タワーに行きました' }));
        before.close();

        const db = open(dataDir);
        expect(pending(db)).toBe(1);
        const messages = messageStore(db);
        expect(await found(messages, '音乐')).toEqual(['我爱音乐']);
        expect(await found(messages, '음악')).toEqual([nfd]);
        expect(await found(messages, 'fine')).toEqual(['ﬁne tuning']);
        expect(await found(messages, 'ascii')).toEqual(['plain ascii line']);
        expect(await found(messages, 'タワー')).toEqual(['東京タワーに行きました']);
        expect(
          (await messages.listBefore('r', null, 10)).items.map((message) => message.content).reverse(),
        ).toEqual(['我爱音乐', nfd, 'ﬁne tuning', 'plain ascii line', '東京タワーに行きました']);
        expect(() => consistent(db)).not.toThrow();
      });

      it('keeps the index consistent when CJK lines are purged, deleted or edited', async () => {
        const db = open(dataDir);
        const messages = messageStore(db);
        const old = new Date(Date.UTC(2025, 0, 1));
        await messages.append(aMessage('r', 1, { content: '古い音乐', createdAt: old }));
        await messages.append(aMessage('r', 2, { content: '我爱音乐' }));
        await messages.append(aMessage('r', 3, { content: '音乐会 deleted' }));
        messages.indexPending();
        await messages.append(aMessage('r', 4, { content: '音乐 pending deleted' }));
        expect(await messages.purgeOlderThan(new Date(Date.UTC(2025, 6, 1)))).toBe(1);
        db.run("DELETE FROM messages WHERE content LIKE '%deleted'");
        expect(await found(messages, '音乐')).toEqual(['我爱音乐']);
        db.run("UPDATE messages SET content = '東京' WHERE content = '我爱音乐'");
        expect(await found(messages, '音乐')).toEqual([]);
        expect(await found(messages, '東京')).toEqual(['東京']);
        expect(() => consistent(db)).not.toThrow();
        // Rebuilt as docs/operations.md says (FTS5's 'rebuild' needs a content table).
        db.exec(
          'DELETE FROM messages_fts; INSERT OR IGNORE INTO messages_fts_pending SELECT seq FROM messages',
        );
        expect(await found(messages, '東京')).toEqual(['東京']);
        expect(await found(messages, '音乐')).toEqual([]);
        expect(() => consistent(db)).not.toThrow();
      });

      it('finds Latin lines exactly as the index over the content as written did', async () => {
        // The reference: schema 11's index (the content itself) and query (each word quoted, * after).
        const reference = new DatabaseSync(':memory:');
        reference.exec(
          "CREATE VIRTUAL TABLE t USING fts5 (content, tokenize = 'unicode61 remove_diacritics 2', prefix = '3')",
        );
        const db = open(dataDir);
        const messages = messageStore(db);
        const vocabulary = [
          'rock',
          'Rôck',
          'café',
          'CAFE',
          'naïve',
          'jazz',
          'jazzy',
          'e-mail',
          "don't",
          'Ørsted',
          'straße',
          'ñandú',
          'x1',
        ];
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 5 }), {
              minLength: 1,
              maxLength: 8,
            }),
            fc.array(fc.tuple(fc.constantFrom(...vocabulary), fc.boolean()), { minLength: 1, maxLength: 3 }),
            async (lines, query) => {
              db.run('DELETE FROM messages');
              reference.exec('DELETE FROM t');
              for (const [index, words] of lines.entries()) {
                await messages.append(aMessage('r', index + 1, { content: words.join(' ') }));
                reference
                  .prepare('INSERT INTO t (rowid, content) VALUES (?, ?)')
                  .run(index + 1, words.join(' '));
              }
              const typed = query.map(
                ([word, prefix]) => `${prefix ? word.slice(0, 4) : word}${prefix ? '*' : ''}`,
              );
              const terms = parseSearchTerms(typed.join(' '));
              const expected =
                terms.length === 0
                  ? []
                  : reference
                      .prepare('SELECT content FROM t WHERE t MATCH ? ORDER BY content')
                      .all(
                        terms
                          .map((term) => `"${term.text.replaceAll('"', '""')}"${term.prefix ? '*' : ''}`)
                          .join(' '),
                      )
                      .map((row) => row.content as string);
              expect(await found(messages, typed.join(' '))).toEqual(expected.sort());
            },
          ),
          { numRuns: 60 },
        );
        reference.close();
      });
    });

    it('indexes what is pending when the store closes, and searches a file written before schema 7', async () => {
      const before = open(dataDir, { migrations: migrations.filter((migration) => migration.version < 7) });
      appendBefore12(before, aMessage('r', 1, { content: 'bassline before' }));
      before.close();

      const db = open(dataDir);
      const messages = messageStore(db);
      await messages.append(aMessage('r', 2, { content: 'bassline after' }));
      expect(await words(messages, 'bassline')).toEqual(['bassline after', 'bassline before']);
      await messages.append(aMessage('r', 3, { content: 'remix at close' }));
      db.retain(); // keep the file open after the store lets go, to look at it
      await messages.close();
      expect(pending(db)).toBe(0);
      expect(indexed(db, 'remix')).toBe(1);
      expect(() => consistent(db)).not.toThrow();
    });
  });

  describe('checkpoints on a thread of their own (CHAT_SQLITE_CHECKPOINT_MS)', () => {
    const fileBytes = (db: SqliteDatabase): number => statSync(db.path).size;
    /** About 60 pages: far below the 1,000 after which SQLite checkpoints inline. */
    const commitFiller = (db: SqliteDatabase): void => {
      db.exec('CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, data TEXT)');
      db.transaction(() => {
        for (let i = 0; i < 200; i++) db.run('INSERT INTO filler (data) VALUES (?)', 'x'.repeat(1_000));
      });
    };

    it('copies what was committed into the file soon after, long before the log reaches 1,000 pages', async () => {
      const db = open(dataDir, { checkpointIntervalMs: 20 });
      const before = fileBytes(db);
      commitFiller(db);
      await expectEventually(() => expect(fileBytes(db)).toBeGreaterThan(before + 150_000));
    });

    it('without the thread (0), the same commit stays in the log: SQLite waits for 1,000 pages', async () => {
      const db = open(dataDir, { checkpointIntervalMs: 0 });
      const before = fileBytes(db);
      commitFiller(db);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fileBytes(db)).toBe(before);
      expect(db.checkpointer).toBeUndefined();
    });

    it('lets go of the file when the connection closes: the last one out removes the log', async () => {
      const db = SqliteDatabase.open(dataDir, { checkpointIntervalMs: 20 });
      commitFiller(db);
      db.close();
      await db.checkpointer?.exited();
      expect(db.checkpointer).toBeDefined();
      expect(existsSync(`${db.path}-wal`)).toBe(false);
      expect(fileBytes(db)).toBeGreaterThan(150_000);
    });
  });
});

/**
 * Another process opens `path`, runs `statements` (by default BEGIN IMMEDIATE: the write lock)
 * and commits `holdMs` later; resolves once it holds the lock, with its exit code to come.
 */
async function writeLockHeldByAnotherProcess(
  path: string,
  holdMs: number,
  statements: readonly string[] = ['BEGIN IMMEDIATE'],
): Promise<{ exited: Promise<number | null> }> {
  const holder = spawn(
    process.execPath,
    [
      '--no-warnings',
      '-e',
      `const { DatabaseSync } = require('node:sqlite');
       const db = new DatabaseSync(process.argv[1]);
       for (const sql of JSON.parse(process.argv[2])) db.exec(sql);
       console.log('locked');
       setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[3]));`,
      path,
      JSON.stringify(statements),
      String(holdMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => holder.once('exit', resolve));
  await new Promise((resolve) => holder.stdout.once('data', resolve));
  return { exited };
}
