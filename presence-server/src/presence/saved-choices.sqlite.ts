import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/** The file under DATA_DIR; its schema is versioned by `PRAGMA user_version`. */
export const SAVED_CHOICES_FILE = 'presence.sqlite';
const SCHEMA_VERSION = 1;

/**
 * Members' "appear offline" choices, kept in a SQLite file for the memory store (single node).
 *
 * Everything else the presence server holds comes back on its own after a restart: the chat
 * server tells every room again and live connections announce their devices. A choice to appear
 * offline was the presence server's alone, so without this file a restart showed those members
 * on (and let them send) until they chose again. Choices are rare clicks, so each one is its
 * own small commit, made before the store changes its maps: a write that fails changes nothing.
 */
export class SavedChoices {
  private readonly add: StatementSync;
  private readonly remove: StatementSync;
  private readonly removeRoom: StatementSync;

  private constructor(
    private readonly db: DatabaseSync,
    /** Where the file is, for logs and tests. */
    readonly path: string,
  ) {
    this.add = db.prepare('INSERT OR IGNORE INTO appear_offline (room_id, uid) VALUES (?, ?)');
    this.remove = db.prepare('DELETE FROM appear_offline WHERE room_id = ? AND uid = ?');
    this.removeRoom = db.prepare('DELETE FROM appear_offline WHERE room_id = ?');
  }

  /** Opens (creating the folder, readable by this user only, and the file if needed) `${dataDir}/presence.sqlite`. */
  static open(dataDir: string): SavedChoices {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const path = join(dataDir, SAVED_CHOICES_FILE);
    const created = !existsSync(path);
    const db = new DatabaseSync(path, { timeout: 5_000 });
    try {
      if (created) chmodSync(path, 0o600);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
      if (version > SCHEMA_VERSION)
        throw new Error(
          `${path} has schema ${version}, newer than this presence server's ${SCHEMA_VERSION}: run the newer version, or move the file away (the choices it holds are then forgotten)`,
        );
      db.exec(`CREATE TABLE IF NOT EXISTS appear_offline (
        room_id TEXT NOT NULL,
        uid TEXT NOT NULL,
        PRIMARY KEY (room_id, uid)
      ) WITHOUT ROWID`);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      return new SavedChoices(db, path);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Every saved choice: room id → the members who chose to appear offline there. */
  load(): Map<string, Set<string>> {
    const byRoom = new Map<string, Set<string>>();
    for (const row of this.db.prepare('SELECT room_id, uid FROM appear_offline').iterate()) {
      const { room_id: roomId, uid } = row as { room_id: string; uid: string };
      let members = byRoom.get(roomId);
      if (!members) byRoom.set(roomId, (members = new Set()));
      members.add(uid);
    }
    return byRoom;
  }

  appearOffline(roomId: string, uid: string): void {
    this.add.run(roomId, uid);
  }

  forget(roomId: string, uid: string): void {
    this.remove.run(roomId, uid);
  }

  forgetRoom(roomId: string): void {
    this.removeRoom.run(roomId);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
