import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';

/** Each SQLite file's copy is taken in one step: one read snapshot, whatever is written meanwhile. */
const PAGES_PER_STEP = 2_147_483_647;
/** A SQLite file's companions: their content is inside the copy, which needs none. */
const SQLITE_COMPANION = /\.sqlite-(wal|shm|journal)$/;
/** Half-written secrets (`auth-secret.<pid>.<hex>`) of a start-up that never finished. */
const TEMPORARY_SECRET = /^auth-secret\..+\..+$/;

export interface BackedUpFile {
  readonly name: string;
  readonly bytes: number;
  /** A SQLite file's schema: its highest `schema_migrations` version (the chat store), else its `user_version`; undefined for a plain file. */
  readonly schema?: number;
}

export interface DataBackup {
  readonly target: string;
  readonly files: readonly BackedUpFile[];
  /** Entries left out (folders, companions, temporary files) and why. */
  readonly skipped: readonly string[];
}

/** A backup the operator asked for wrongly (no data, a target in use): nothing was written. */
export class BackupRefused extends Error {}

/**
 * Copies the single node's data folder (`chat.sqlite`, `presence.sqlite`, `auth-secret`) to
 * `target` while the app runs: each SQLite file through SQLite's online backup (a consistent
 * snapshot, even while lines are written; in WAL mode it blocks no writer), checked with
 * `PRAGMA quick_check`, every other file copied. Everything is written to a folder beside
 * `target` and renamed to it at the end, so `target` is either a whole, checked backup or absent.
 * The folder is `0700` and its files `0600`, like DATA_DIR's own.
 */
export async function backUpDataDir(dataDir: string, target: string): Promise<DataBackup> {
  const source = resolve(dataDir);
  const destination = resolve(target);
  const entries = readableEntries(source);
  if (!entries.some((name) => name.endsWith('.sqlite')))
    throw new BackupRefused(`${source} holds no SQLite file: nothing to back up (is DATA_DIR right?)`);
  if (isSameOrInside(destination, source))
    throw new BackupRefused(`the backup must go outside DATA_DIR (${source}), not to ${destination}`);
  if (!isAbsentOrEmpty(destination))
    throw new BackupRefused(`${destination} exists and is not empty: name a new folder`);

  const partial = join(dirname(destination), `.${basename(destination)}.partial-${process.pid}`);
  mkdirSync(partial, { recursive: true, mode: 0o700 });
  try {
    const files: BackedUpFile[] = [];
    const skipped: string[] = [];
    for (const name of entries) {
      const from = join(source, name);
      const to = join(partial, name);
      if (!statSync(from).isFile()) skipped.push(`${name} (not a file)`);
      else if (SQLITE_COMPANION.test(name)) skipped.push(`${name} (its content is in the copy)`);
      else if (TEMPORARY_SECRET.test(name)) skipped.push(`${name} (a start-up's temporary file)`);
      else if (name.endsWith('.sqlite')) files.push(await copySqlite(from, to, name));
      else {
        copyFileSync(from, to);
        chmodSync(to, 0o600);
        files.push({ name, bytes: statSync(to).size });
      }
    }
    if (existsSync(destination)) rmdirSync(destination); // empty, checked above; fails if no longer
    renameSync(partial, destination);
    return { target: destination, files, skipped };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
}

async function copySqlite(from: string, to: string, name: string): Promise<BackedUpFile> {
  const db = new DatabaseSync(from, { timeout: 5_000 });
  try {
    await backup(db, to, { rate: PAGES_PER_STEP });
  } finally {
    db.close();
  }
  chmodSync(to, 0o600);
  return checkCopy(to, name);
}

/**
 * Checks a copied SQLite file (`PRAGMA quick_check`) and reads its schema; throws if the check
 * finds a problem. It opens the copy as SQLite does any file: a WAL-mode file gets its `-wal` and
 * `-shm` while open, gone again when it closes (the last connection), leaving the file alone.
 */
export function checkCopy(path: string, name: string): BackedUpFile {
  const copy = new DatabaseSync(path);
  try {
    const checks = copy.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
    const problems = checks.map((row) => row.quick_check).filter((result) => result !== 'ok');
    if (problems.length > 0) throw new Error(`the copy of ${name} failed its check: ${problems.join('; ')}`);
    return { name, bytes: statSync(path).size, schema: schemaOf(copy) };
  } finally {
    copy.close();
  }
}

function schemaOf(db: DatabaseSync): number {
  const migrated = db
    .prepare("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  const { schema } = (
    migrated
      ? db.prepare('SELECT coalesce(max(version), 0) AS schema FROM schema_migrations').get()
      : db.prepare('SELECT user_version AS schema FROM pragma_user_version').get()
  ) as { schema: number };
  return schema;
}

/**
 * Whether `path` is `folder` or inside it, on disk: both through their symbolic links (`folder`'s
 * real path; `path`'s nearest existing folder's real path and the rest of its name), so a link to
 * DATA_DIR, or DATA_DIR named through one, does not pass for somewhere else.
 */
export function isSameOrInside(path: string, folder: string): boolean {
  const within = relative(realPathOf(folder), realPathOf(path));
  return within === '' || (within !== '..' && !within.startsWith('../') && !within.startsWith('/'));
}

/** `path` with every symbolic link of its existing part resolved; the part not yet made kept as named. */
export function realPathOf(path: string): string {
  const absolute = resolve(path);
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    try {
      return join(realpathSync(existing), ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || existing === dirname(existing)) throw error;
      missing.push(basename(existing));
      existing = dirname(existing);
    }
  }
}

function readableEntries(folder: string): string[] {
  try {
    return readdirSync(folder).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new BackupRefused(`${folder} does not exist: nothing to back up (is DATA_DIR right?)`);
    throw error;
  }
}

function isAbsentOrEmpty(folder: string): boolean {
  try {
    return statSync(folder).isDirectory() && readdirSync(folder).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}
