import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/** The file under DATA_DIR; its schema is versioned by `PRAGMA user_version`. */
export const SAVED_PRESENCE_FILE = 'presence.sqlite';
/** 1: choices only; 2: rosters too (a version 1 file is upgraded in place). */
const SCHEMA_VERSION = 2;

/** What a file held at start: each room's roster, and the members who chose to appear offline. */
export interface SavedState {
  /** room id → uid → nickName. */
  readonly rosters: Map<string, Map<string, string>>;
  /** room id → uids; may name rooms without a saved roster (a version 1 file). */
  readonly appearOffline: Map<string, Set<string>>;
}

interface OpenFile {
  readonly db: DatabaseSync;
  readonly saveMember: StatementSync;
  readonly removeMember: StatementSync;
  readonly saveChoice: StatementSync;
  readonly removeChoice: StatementSync;
  readonly removeRoomMembers: StatementSync;
  readonly removeRoomChoices: StatementSync;
}

/**
 * What the memory store (single node) cannot learn again after a restart, kept in a SQLite file:
 * each open room's roster and the members' "appear offline" choices.
 *
 * Devices come back on their own (live connections announce themselves), and the chat server
 * tells a room again when someone enters it. Without the rosters, every other room was unknown
 * to presence after a restart (404 on its lists and on "appear offline") until someone entered
 * it; without the choices, members who chose to appear offline came back on (and could send).
 * Roster changes and choices are rare (a join, a leave, a click), so each is its own small
 * commit, made before the store changes its maps: a write that fails changes nothing. The file
 * is made with the first write: a server that never opened a room has none.
 */
export class SavedPresence {
  private file: OpenFile | undefined;

  private constructor(
    /** Where the file is (or will be), for logs and tests. */
    readonly path: string,
    private readonly dataDir: string,
  ) {}

  /** Opens `${dataDir}/presence.sqlite` when it exists (checking and upgrading its schema); else it is made on the first write. */
  static open(dataDir: string): SavedPresence {
    const saved = new SavedPresence(join(dataDir, SAVED_PRESENCE_FILE), dataDir);
    if (existsSync(saved.path)) saved.opened();
    return saved;
  }

  load(): SavedState {
    const state: SavedState = { rosters: new Map(), appearOffline: new Map() };
    if (!this.file) return state;
    const { db } = this.file;
    for (const row of db.prepare('SELECT room_id, uid, nick_name FROM roster_member').iterate()) {
      const { room_id: roomId, uid, nick_name: nickName } = row as Record<string, string>;
      inGroup(state.rosters, roomId, () => new Map<string, string>()).set(uid, nickName);
    }
    for (const row of db.prepare('SELECT room_id, uid FROM appear_offline').iterate()) {
      const { room_id: roomId, uid } = row as Record<string, string>;
      inGroup(state.appearOffline, roomId, () => new Set<string>()).add(uid);
    }
    return state;
  }

  /** Adds the member to the room's roster, or renames them. */
  saveMember(roomId: string, uid: string, nickName: string): void {
    this.opened().saveMember.run(roomId, uid, nickName);
  }

  /** Takes the member off the roster, and forgets their choice. */
  removeMember(roomId: string, uid: string): void {
    if (!this.file) return;
    const { db, removeMember, removeChoice } = this.file;
    inTransaction(db, () => {
      removeMember.run(roomId, uid);
      removeChoice.run(roomId, uid);
    });
  }

  appearOffline(roomId: string, uid: string): void {
    this.opened().saveChoice.run(roomId, uid);
  }

  forgetChoice(roomId: string, uid: string): void {
    this.file?.removeChoice.run(roomId, uid);
  }

  forgetRoom(roomId: string): void {
    if (!this.file) return;
    const { db, removeRoomMembers, removeRoomChoices } = this.file;
    inTransaction(db, () => {
      removeRoomMembers.run(roomId);
      removeRoomChoices.run(roomId);
    });
  }

  close(): void {
    if (this.file?.db.isOpen) this.file.db.close();
    this.file = undefined;
  }

  /** The open file, creating the folder (readable by this user only) and the file if needed. */
  private opened(): OpenFile {
    if (this.file) return this.file;
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const created = !existsSync(this.path);
    const db = new DatabaseSync(this.path, { timeout: 5_000 });
    try {
      if (created) chmodSync(this.path, 0o600);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      const { user_version: version } = db.prepare('PRAGMA user_version').get() as { user_version: number };
      if (version > SCHEMA_VERSION)
        throw new Error(
          `${this.path} has schema ${version}, newer than this presence server's ${SCHEMA_VERSION}: run the newer version, or move the file away (the rosters and choices it holds are then forgotten)`,
        );
      inTransaction(db, () => {
        db.exec(`CREATE TABLE IF NOT EXISTS appear_offline (
          room_id TEXT NOT NULL,
          uid TEXT NOT NULL,
          PRIMARY KEY (room_id, uid)
        ) WITHOUT ROWID`);
        db.exec(`CREATE TABLE IF NOT EXISTS roster_member (
          room_id TEXT NOT NULL,
          uid TEXT NOT NULL,
          nick_name TEXT NOT NULL,
          PRIMARY KEY (room_id, uid)
        ) WITHOUT ROWID`);
        db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      });
      this.file = {
        db,
        saveMember: db.prepare(
          'INSERT INTO roster_member (room_id, uid, nick_name) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET nick_name = excluded.nick_name',
        ),
        removeMember: db.prepare('DELETE FROM roster_member WHERE room_id = ? AND uid = ?'),
        saveChoice: db.prepare('INSERT OR IGNORE INTO appear_offline (room_id, uid) VALUES (?, ?)'),
        removeChoice: db.prepare('DELETE FROM appear_offline WHERE room_id = ? AND uid = ?'),
        removeRoomMembers: db.prepare('DELETE FROM roster_member WHERE room_id = ?'),
        removeRoomChoices: db.prepare('DELETE FROM appear_offline WHERE room_id = ?'),
      };
      return this.file;
    } catch (error) {
      db.close();
      throw error;
    }
  }
}

function inGroup<V>(groups: Map<string, V>, key: string, make: () => V): V {
  let group = groups.get(key);
  if (group === undefined) groups.set(key, (group = make()));
  return group;
}

function inTransaction(db: DatabaseSync, work: () => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    work();
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
