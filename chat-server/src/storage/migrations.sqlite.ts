import { storedSearchText } from '@playlist-chat/platform';
import { indexedSearchWords } from './search-index-words';

/**
 * The chat database's schema, as numbered migrations. A migration is never edited once
 * released: change the schema by appending the next number. Each one runs in its own
 * transaction together with its row in `schema_migrations`.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /**
   * SQL functions the migration's SQL calls, defined on the connection before it runs (computed
   * values SQL cannot make, such as the search text of a line). Deterministic, text arguments.
   */
  readonly functions?: Readonly<Record<string, (...texts: string[]) => string | null>>;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'rooms, members and the search-index outbox',
    sql: `
      CREATE TABLE rooms (
        id               TEXT PRIMARY KEY,
        playlist_id      TEXT NOT NULL,
        room_name        TEXT NOT NULL,
        owner_uid        TEXT NOT NULL,
        playlist         TEXT NOT NULL CHECK (json_valid(playlist)),
        created_at       INTEGER NOT NULL,
        last_activity_at INTEGER NOT NULL,
        closed_at        INTEGER
      );
      -- One live room per playlist: closed rooms drop out of the index.
      CREATE UNIQUE INDEX rooms_live_playlist ON rooms (playlist_id) WHERE closed_at IS NULL;
      CREATE INDEX rooms_newest ON rooms (created_at DESC, id DESC);
      CREATE INDEX rooms_live_activity ON rooms (last_activity_at) WHERE closed_at IS NULL;

      -- A rowid table on purpose: rowid breaks ties between joins in the same millisecond.
      CREATE TABLE room_members (
        room_id              TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        uid                  TEXT NOT NULL,
        nick_name            TEXT NOT NULL,
        profile_image        TEXT,
        last_read_message_id TEXT,
        entered_at           INTEGER NOT NULL,
        UNIQUE (room_id, uid)
      );
      CREATE INDEX room_members_uid ON room_members (uid, entered_at);

      CREATE TABLE search_outbox (
        room_id         TEXT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error      TEXT
      );
      CREATE INDEX search_outbox_due ON search_outbox (next_attempt_at, room_id);
    `,
  },
  {
    version: 2,
    name: 'messages with full-text search',
    sql: `
      -- seq is the rowid alias the FTS index points at: a declared INTEGER PRIMARY KEY
      -- keeps it stable across VACUUM, which an implicit rowid is not.
      CREATE TABLE messages (
        seq                  INTEGER PRIMARY KEY,
        message_id           TEXT NOT NULL UNIQUE,
        room_id              TEXT NOT NULL,
        client_message_id    TEXT,
        type                 TEXT NOT NULL,
        sender_uid           TEXT NOT NULL,
        sender_nick_name     TEXT NOT NULL,
        sender_profile_image TEXT,
        content              TEXT NOT NULL,
        created_at           INTEGER NOT NULL,
        UNIQUE (room_id, client_message_id)
      );
      CREATE INDEX messages_room_order ON messages (room_id, message_id);
      CREATE INDEX messages_created ON messages (created_at);

      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        content,
        content = 'messages',
        content_rowid = 'seq',
        tokenize = 'unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
        INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
      END;
    `,
  },
  {
    version: 3,
    name: 'search restricted to the room inside FTS, with a prefix index',
    sql: `
      -- The room id becomes an indexed column, so a search matches within its room inside the
      -- index instead of matching every room's messages first; prefix='3' answers the shortest
      -- prefix queries we accept from the index alone.
      DROP TRIGGER messages_fts_insert;
      DROP TRIGGER messages_fts_delete;
      DROP TRIGGER messages_fts_update;
      DROP TABLE messages_fts;
      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        room_id,
        content,
        content = 'messages',
        content_rowid = 'seq',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '3'
      );
      INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, room_id, content) VALUES (new.seq, new.room_id, new.content);
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, room_id, content)
          VALUES ('delete', old.seq, old.room_id, old.content);
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, room_id, content)
          VALUES ('delete', old.seq, old.room_id, old.content);
        INSERT INTO messages_fts (rowid, room_id, content) VALUES (new.seq, new.room_id, new.content);
      END;
    `,
  },
  {
    version: 4,
    name: 'leases for singleton work',
    sql: `
      -- Which instance runs the search outbox and housekeeping now (LeaseStore).
      CREATE TABLE leases (
        name       TEXT PRIMARY KEY,
        owner      TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'per-room sequence decided by the store',
    sql: `
      -- A line's place in its room, allocated in the same transaction as its insert.
      ALTER TABLE messages ADD COLUMN room_seq INTEGER;
      UPDATE messages SET room_seq = (
        SELECT ranked.n FROM (
          SELECT seq, row_number() OVER (PARTITION BY room_id ORDER BY message_id) AS n FROM messages
        ) ranked WHERE ranked.seq = messages.seq
      );
      CREATE UNIQUE INDEX messages_room_seq ON messages (room_id, room_seq);
      -- The last sequence and id per room; kept when retention deletes the lines, so neither goes back.
      CREATE TABLE room_sequences (
        room_id         TEXT PRIMARY KEY,
        last_seq        INTEGER NOT NULL,
        last_message_id TEXT NOT NULL
      );
      INSERT INTO room_sequences (room_id, last_seq, last_message_id)
        SELECT room_id, max(room_seq), max(message_id) FROM messages GROUP BY room_id;
    `,
  },
  {
    version: 6,
    name: "a room's thumbnail beside its playlist",
    sql: `
      -- Room lists show the first track's thumbnail; read from the playlist JSON (up to 500
      -- tracks) it cost ~10 µs per room listed. The playlist snapshot never changes after creation.
      ALTER TABLE rooms ADD COLUMN thumbnail TEXT;
      UPDATE rooms SET thumbnail = json_extract(playlist, '$.musics[0].thumbnail');
    `,
  },
  {
    version: 7,
    name: 'search index fed in batches',
    sql: `
      -- FTS5 writes a new index segment for every transaction that adds to it: indexing each line
      -- in its own append was most of a line's cost in SQLite (112 -> 65 us per append measured).
      -- A line now only notes its seq here; SqliteMessageStore.indexPending() indexes the pending
      -- lines together, before every search and on a short timer, so a search still sees every
      -- stored line. A deleted or edited line that is still pending never reached the index.
      CREATE TABLE messages_fts_pending (seq INTEGER PRIMARY KEY);
      DROP TRIGGER messages_fts_insert;
      DROP TRIGGER messages_fts_delete;
      DROP TRIGGER messages_fts_update;
      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts_pending (seq) VALUES (new.seq);
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, room_id, content)
          SELECT 'delete', old.seq, old.room_id, old.content
          WHERE NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE seq = old.seq);
        DELETE FROM messages_fts_pending WHERE seq = old.seq;
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
        WHEN NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE seq = old.seq) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, room_id, content)
          VALUES ('delete', old.seq, old.room_id, old.content);
        INSERT INTO messages_fts (rowid, room_id, content) VALUES (new.seq, new.room_id, new.content);
      END;
    `,
  },
  {
    version: 8,
    name: 'search index kept in few segments',
    sql: `
      -- Every indexing batch adds an FTS5 segment, and a search looks each of its words up in
      -- every segment. FTS5 merges a level only once it holds 4 segments: the bench's seed fed
      -- 4,000 one-line batches went from 5 to 23 segments, and a room search from 98 to 166 us.
      -- With usermerge 2, the bounded merge that follows every batch
      -- (SqliteMessageStore.indexPending) combines any two segments of a level: 5 segments and
      -- 82 us after the same batches (docs/performance.md).
      INSERT INTO messages_fts (messages_fts, rank) VALUES ('usermerge', 2);
    `,
  },
  {
    version: 9,
    name: 'room summaries read by id without the playlist',
    sql: `
      -- The joined list reads each of a member's rooms by id for its summary. created_at and
      -- thumbnail sit after the playlist in the row, and a playlist of 300 tracks (~33 KB)
      -- overflows into ~8 pages that SQLite walks to reach them: 4 rooms cost 107 us instead
      -- of 16 (docs/performance.md). This index holds every column a summary reads.
      CREATE INDEX rooms_summary_by_id ON rooms (id, closed_at, created_at, room_name, thumbnail);
    `,
  },
  {
    version: 10,
    name: 'search index keyed by the room as one word',
    sql: `
      -- The tokenizer cut a room's UUID into five words, so every search looked up a five-word
      -- phrase, with positions, in every index segment: 45 us of a 95 us search on the bench's
      -- seed. Without its dashes the id is one word: 10-15 us (docs/performance.md). The index
      -- reads a generated column, so FTS5's rebuild and integrity-check still see what it holds;
      -- roomSearchToken (search-terms.ts) makes the same word for a query.
      ALTER TABLE messages ADD COLUMN room_token TEXT GENERATED ALWAYS AS (replace(room_id, '-', '')) VIRTUAL;
      DROP TRIGGER messages_fts_delete;
      DROP TRIGGER messages_fts_update;
      DROP TABLE messages_fts;
      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        room_token,
        content,
        content = 'messages',
        content_rowid = 'seq',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '3'
      );
      INSERT INTO messages_fts (messages_fts, rank) VALUES ('usermerge', 2);
      -- Lines still pending stay pending: indexPending adds them as before.
      INSERT INTO messages_fts (rowid, room_token, content)
        SELECT seq, room_token, content FROM messages
        WHERE seq NOT IN (SELECT seq FROM messages_fts_pending);
      -- Once, here: the whole index in one segment, so the first searches look each word up once.
      INSERT INTO messages_fts (messages_fts) VALUES ('optimize');
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, room_token, content)
          SELECT 'delete', old.seq, old.room_token, old.content
          WHERE NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE seq = old.seq);
        DELETE FROM messages_fts_pending WHERE seq = old.seq;
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
        WHEN NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE seq = old.seq) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, room_token, content)
          VALUES ('delete', old.seq, old.room_token, old.content);
        INSERT INTO messages_fts (rowid, room_token, content) VALUES (new.seq, new.room_token, new.content);
      END;
    `,
  },
  {
    version: 11,
    name: 'a chat line writes two index pages fewer',
    sql: `
      -- Every index on messages is one more page a chat line's commit writes to the log (two
      -- pwrite calls each): 10.6 pages per line before, 8.2 after, on the bench's seed.
      -- room_seq is decided inside the line's IMMEDIATE transaction from room_sequences, so no
      -- two lines of a room can get the same one; its unique index only re-checked that, and no
      -- query reads lines by room_seq.
      DROP INDEX messages_room_seq;
      -- Retention purges the oldest lines in the order they were stored (seq), stopping at the
      -- first one that is not due (SqliteMessageStore.purgeOlderThan), so it needs no index of
      -- its own on created_at.
      DROP INDEX messages_created;
    `,
  },
  {
    version: 12,
    name: 'search finds words inside Chinese, Japanese and Korean text, NFKC-normalised',
    functions: { search_text_of: storedSearchText },
    sql: `
      -- The tokenizer read a run of CJK characters up to a space as one word, so 音乐 did not find
      -- 我爱音乐, nor 음악 find 음악을; and it saw NFD Hangul, ligatures (ﬁ) and full-width letters
      -- as other words than their NFC/plain forms. The index now reads search_text when a line
      -- has one: the content NFKC-normalised, each CJK character a word of its own and a marker
      -- word between words next to CJK (searchText in search-terms.ts; a query's CJK run is a
      -- phrase of those words). NULL, the content itself, for most lines (ASCII costs nothing).
      -- The content shown is never changed. Whoever writes content writes search_text with it.
      ALTER TABLE messages ADD COLUMN search_text TEXT;
      UPDATE messages SET search_text = computed.text
        FROM (SELECT seq, search_text_of(content) AS text FROM messages
              WHERE content GLOB '*[^ -~]*') AS computed
        WHERE messages.seq = computed.seq AND computed.text IS NOT NULL;
      -- The index reads what it holds from this view, so FTS5's rebuild and integrity-check still
      -- see it; the triggers and indexPending give the index the same value.
      CREATE VIEW messages_search AS
        SELECT seq, room_token, coalesce(search_text, content) AS content FROM messages;
      DROP TRIGGER messages_fts_delete;
      DROP TRIGGER messages_fts_update;
      DROP TABLE messages_fts;
      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        room_token,
        content,
        content = 'messages_search',
        content_rowid = 'seq',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '3'
      );
      INSERT INTO messages_fts (messages_fts, rank) VALUES ('usermerge', 2);
      -- Lines still pending stay pending: indexPending adds them as before.
      INSERT INTO messages_fts (rowid, room_token, content)
        SELECT seq, room_token, coalesce(search_text, content) FROM messages
        WHERE seq NOT IN (SELECT seq FROM messages_fts_pending);
      INSERT INTO messages_fts (messages_fts) VALUES ('optimize');
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, room_token, content)
          SELECT 'delete', old.seq, old.room_token, coalesce(old.search_text, old.content)
          WHERE NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE seq = old.seq);
        DELETE FROM messages_fts_pending WHERE seq = old.seq;
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, search_text ON messages
        WHEN NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE seq = old.seq) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, room_token, content)
          VALUES ('delete', old.seq, old.room_token, coalesce(old.search_text, old.content));
        INSERT INTO messages_fts (rowid, room_token, content)
          VALUES (new.seq, new.room_token, coalesce(new.search_text, new.content));
      END;
    `,
  },
  {
    version: 13,
    name: 'search words keyed by their room',
    functions: { indexed_search_words: indexedSearchWords },
    sql: `
      -- Every room's lines shared each word's list in the index, and a search intersected the
      -- room's word with it: with 100,000 lines over 10,000 rooms fed as they arrive, a room
      -- search read ~200 us of other rooms' lines (~100 us even with the index in one segment).
      -- The index now holds each word glued to its room's key (search-index-words.ts), so a
      -- word's list is one room's lines: ~50 us as fed, ~20 us merged (docs/performance.md).
      -- Contentless: the store computes the words (indexPending; SQL cannot), and a deleted line
      -- is taken out by its rowid alone, so search_text, the view and room_token are not needed.
      -- MongoDB keeps its words as they were.
      DROP TRIGGER messages_fts_delete;
      DROP TRIGGER messages_fts_update;
      DROP TABLE messages_fts;
      DROP VIEW messages_search;
      ALTER TABLE messages DROP COLUMN search_text;
      ALTER TABLE messages DROP COLUMN room_token;
      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        words,
        content = '',
        contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
      );
      INSERT INTO messages_fts (messages_fts, rank) VALUES ('usermerge', 2);
      -- Lines still pending stay pending: indexPending adds them as before.
      INSERT INTO messages_fts (rowid, words)
        SELECT seq, indexed_search_words(room_id, content) FROM messages
        WHERE seq NOT IN (SELECT seq FROM messages_fts_pending);
      INSERT INTO messages_fts (messages_fts) VALUES ('optimize');
      -- A pending line is not in the index: deleting its rowid there changes nothing.
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        DELETE FROM messages_fts WHERE rowid = old.seq;
        DELETE FROM messages_fts_pending WHERE seq = old.seq;
      END;
      -- An edited line leaves the index and is indexed again with its new words, like a new one.
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF room_id, content ON messages BEGIN
        DELETE FROM messages_fts WHERE rowid = old.seq;
        INSERT OR IGNORE INTO messages_fts_pending (seq) VALUES (new.seq);
      END;
    `,
  },
  {
    version: 14,
    name: 'one live room per owner and playlist',
    sql: `
      -- A live room was one per playlist id, whoever opened it. Playlist ids are not secret: a
      -- user who opened a room naming someone else's playlist id held it, and the owner's own
      -- "start chat" got that room back instead of theirs. The old rule was stricter, so no
      -- stored rooms break the new one.
      DROP INDEX rooms_live_playlist;
      CREATE UNIQUE INDEX rooms_live_owner_playlist ON rooms (owner_uid, playlist_id) WHERE closed_at IS NULL;
    `,
  },
  {
    version: 15,
    name: 'the read position other members are shown',
    sql: `
      -- A member who chose to appear offline still had their read position saved (their own
      -- unread counts), and the room's member list showed it moving. Others now see this one,
      -- which does not move while the member appears offline; until now they saw the same.
      ALTER TABLE room_members ADD COLUMN shown_read_message_id TEXT;
      UPDATE room_members SET shown_read_message_id = last_read_message_id;
    `,
  },
];
