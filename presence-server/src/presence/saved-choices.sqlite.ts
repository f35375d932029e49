import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/** The file under DATA_DIR; its schema is versioned by `PRAGMA user_version`. */
export const SAVED_CHOICES_FILE = 'presence.sqlite';
const SCHEMA_VERSION = 1;

interface OpenFile {
  readonly db: DatabaseSync;
  readonly add: StatementSync;
  readonly remove: StatementSync;
  readonly removeRoom: StatementSync;
}

/**
 * Members' "appear offline" choices, kept in a SQLite file for the memory store (single node).
 *
 * Everything else the presence server holds comes back on its own after a restart: the chat
 * server tells every room again and live connections announce their devices. A choice to appear
 * offline was the presence server's alone, so without this file a restart showed those members
 * on (and let them send) until they chose again. Choices are rare clicks, so each one is its
 * own small commit, made before the store changes its maps: a write that fails changes nothing.
 * The file is made with the first choice: a server where nobody chose has none.
 */
export class SavedChoices {
  private file: OpenFile | undefined;

  private constructor(
    /** Where the file is (or will be), for logs and tests. */
    readonly path: string,
    private readonly dataDir: string,
  ) {}

  /** Opens `${dataDir}/presence.sqlite` when it exists (checking its schema); else it is made on the first choice. */
  static open(dataDir: string): SavedChoices {
    const saved = new SavedChoices(join(dataDir, SAVED_CHOICES_FILE), dataDir);
    if (existsSync(saved.path)) saved.opened();
    return saved;
  }

  /** Every saved choice: room id → the members who chose to appear offline there. */
  load(): Map<string, Set<string>> {
    const byRoom = new Map<string, Set<string>>();
    if (!this.file) return byRoom;
    for (const row of this.file.db.prepare('SELECT room_id, uid FROM appear_offline').iterate()) {
      const { room_id: roomId, uid } = row as { room_id: string; uid: string };
      let members = byRoom.get(roomId);
      if (!members) byRoom.set(roomId, (members = new Set()));
      members.add(uid);
    }
    return byRoom;
  }

  appearOffline(roomId: string, uid: string): void {
    this.opened().add.run(roomId, uid);
  }

  forget(roomId: string, uid: string): void {
    this.file?.remove.run(roomId, uid);
  }

  forgetRoom(roomId: string): void {
    this.file?.removeRoom.run(roomId);
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
          `${this.path} has schema ${version}, newer than this presence server's ${SCHEMA_VERSION}: run the newer version, or move the file away (the choices it holds are then forgotten)`,
        );
      db.exec(`CREATE TABLE IF NOT EXISTS appear_offline (
        room_id TEXT NOT NULL,
        uid TEXT NOT NULL,
        PRIMARY KEY (room_id, uid)
      ) WITHOUT ROWID`);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      this.file = {
        db,
        add: db.prepare('INSERT OR IGNORE INTO appear_offline (room_id, uid) VALUES (?, ?)'),
        remove: db.prepare('DELETE FROM appear_offline WHERE room_id = ? AND uid = ?'),
        removeRoom: db.prepare('DELETE FROM appear_offline WHERE room_id = ?'),
      };
      return this.file;
    } catch (error) {
      db.close();
      throw error;
    }
  }
}
