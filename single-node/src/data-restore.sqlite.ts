import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type BackedUpFile, checkCopy, isSameOrInside, realPathOf } from './data-backup.sqlite';

/** A companion SQLite writes beside a file it has open (or had, when the process died). */
const SQLITE_COMPANION = /-(wal|shm|journal)$/;
/** SQLite's SQLITE_BUSY and SQLITE_LOCKED (primary codes; extended ones carry them in their low byte). */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

export interface DataRestore {
  /** DATA_DIR as restored: its real path (a symbolic link to it is left pointing there). */
  readonly dataDir: string;
  /** The backup folder restored from, untouched. */
  readonly backup: string;
  readonly files: readonly BackedUpFile[];
  /** Entries of the backup folder left out (folders) and why. */
  readonly skipped: readonly string[];
  /** Where the DATA_DIR found in place went, whole; undefined when there was none. */
  readonly movedAside?: string;
}

/** A restore the operator asked for wrongly (not a backup, the app running): DATA_DIR was not touched. */
export class RestoreRefused extends Error {}

/**
 * Puts the backup folder `backupFolder` (made by `npm run backup`) in DATA_DIR's place, deleting
 * nothing:
 *
 * 1. `backupFolder` must be a backup: a folder outside DATA_DIR holding `chat.sqlite` and no
 *    `-wal`/`-shm`/`-journal` companion (a folder with those is a live data folder, or a copy of
 *    one, whose files are not whole without them).
 * 2. Its files are copied to a hidden folder beside DATA_DIR (`0700`, files `0600`), each SQLite
 *    file checked there (`PRAGMA quick_check`), so the backup itself is only read.
 * 3. DATA_DIR must not be in use: each of its SQLite files is opened in `locking_mode=EXCLUSIVE`
 *    and `BEGIN EXCLUSIVE`, which needs SQLite's exclusive lock on the file. In WAL mode every
 *    open connection holds a shared lock on its database file for as long as it is open, so a
 *    running app (or backup) makes that fail at once with SQLITE_BUSY; a process that died holds
 *    no lock any more (the kernel drops a process's locks with it), so a crashed DATA_DIR passes.
 *    The lock is held until the end, so no app can open the old files meanwhile.
 * 4. DATA_DIR is renamed, whole and with its mode, to `<DATA_DIR>.before-restore-<UTC time>`, and
 *    the hidden folder renamed to DATA_DIR: DATA_DIR is never half-restored, and the `-wal`/`-shm`
 *    a crash left stay with the file they belong to instead of being replayed onto the backup's.
 *
 * The old folder's files are left as they were: the locks are released only once DATA_DIR is the
 * restored folder, when SQLite sees the file it had open moved and does not checkpoint it.
 */
export function restoreDataDir(dataDir: string, backupFolder: string): DataRestore {
  const target = realPathOf(dataDir);
  const backup = realPathOf(backupFolder);
  if (isSameOrInside(backup, target))
    throw new RestoreRefused(`the backup must be outside DATA_DIR (${target}), not ${backup}`);
  if (isSameOrInside(target, backup))
    throw new RestoreRefused(
      `DATA_DIR (${target}) is inside the backup folder ${backup}: restore from a folder of its own`,
    );
  const entries = backupEntries(backup);
  const companions = entries.filter((name) => SQLITE_COMPANION.test(name));
  if (companions.length > 0)
    throw new RestoreRefused(
      `${backup} holds ${companions.join(', ')}: it is a data folder an app had open (or a copy of one), not a backup; ` +
        'take one with `npm run backup -- <folder>` (or restore a backup taken before)',
    );
  if (!entries.includes('chat.sqlite'))
    throw new RestoreRefused(`${backup} holds no chat.sqlite: it is not a backup of DATA_DIR`);

  const staging = join(dirname(target), `.${basename(target)}.restoring-${process.pid}`);
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  mkdirSync(staging, { mode: 0o700 });
  chmodSync(staging, 0o700);
  let locks: HeldLock[] = [];
  let movedAside: string | undefined;
  try {
    const { files, skipped } = copyChecked(backup, staging, entries);
    locks = lockUnused(target);
    if (existsSync(target)) {
      const aside = asideName(target);
      try {
        renameSync(target, aside); // whole, with its mode; the locks go with the files
      } catch (error) {
        throw new Error(
          `could not move DATA_DIR (${target}) aside (${(error as Error).message}; a mount point cannot be): ` +
            'it was left in place, restore by hand (docs/operations.md, "Restore")',
          { cause: error },
        );
      }
      movedAside = aside;
    }
    try {
      renameSync(staging, target);
    } catch (error) {
      const where =
        movedAside === undefined
          ? 'nothing was changed'
          : `the restored copy is ${staging}, the old DATA_DIR ${movedAside}`;
      throw new Error(
        `could not put the restored folder in DATA_DIR's place (${(error as Error).message}; was the app started meanwhile?): ${where}`,
        { cause: error },
      );
    }
    return { dataDir: target, backup, files, skipped, movedAside };
  } catch (error) {
    if (movedAside === undefined) rmSync(staging, { recursive: true, force: true }); // ours, DATA_DIR untouched
    throw error;
  } finally {
    release(locks, movedAside);
  }
}

/** The backup folder's entries; refused when it is missing or not a folder. */
function backupEntries(folder: string): string[] {
  try {
    return readdirSync(folder).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RestoreRefused(`${folder} does not exist: name the backup folder`);
    if (code === 'ENOTDIR') throw new RestoreRefused(`${folder} is not a folder: name the backup folder`);
    throw error;
  }
}

/** Copies the backup's files to `staging` (`0600`) and checks each SQLite copy; refused if one fails. */
function copyChecked(
  backup: string,
  staging: string,
  entries: readonly string[],
): { files: BackedUpFile[]; skipped: string[] } {
  const files: BackedUpFile[] = [];
  const skipped: string[] = [];
  for (const name of entries) {
    const from = join(backup, name);
    const to = join(staging, name);
    if (!statSync(from).isFile()) {
      skipped.push(`${name} (not a file)`);
      continue;
    }
    copyFileSync(from, to);
    chmodSync(to, 0o600);
    if (!name.endsWith('.sqlite')) {
      files.push({ name, bytes: statSync(to).size });
      continue;
    }
    try {
      files.push(checkCopy(to, name));
    } catch (error) {
      throw new RestoreRefused(
        `${join(backup, name)} is not a sound SQLite file (${(error as Error).message})`,
      );
    }
  }
  return { files, skipped };
}

/** An exclusive lock on one of DATA_DIR's SQLite files, and whether its `-wal` was there before. */
interface HeldLock {
  readonly db: DatabaseSync;
  readonly name: string;
  readonly walExisted: boolean;
}

/** Takes SQLite's exclusive lock on each of DATA_DIR's SQLite files; refused if one is in use. */
function lockUnused(folder: string): HeldLock[] {
  const held: HeldLock[] = [];
  const names = existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.sqlite')) : [];
  try {
    for (const name of names) {
      const path = join(folder, name);
      const walExisted = existsSync(`${path}-wal`);
      const db = new DatabaseSync(path, { timeout: 0 });
      held.push({ db, name, walExisted });
      try {
        db.exec('PRAGMA locking_mode = EXCLUSIVE');
        db.exec('BEGIN EXCLUSIVE');
        db.exec('ROLLBACK');
      } catch (error) {
        const code = ((error as { errcode?: number }).errcode ?? 0) & 0xff;
        if (code === SQLITE_BUSY || code === SQLITE_LOCKED)
          throw new RestoreRefused(
            `${path} is in use: the app (or a backup) is running on DATA_DIR; stop it, then restore`,
          );
        throw new RestoreRefused(
          `${path} cannot be opened as a SQLite file (${(error as Error).message}), so whether the app uses it ` +
            'cannot be told: make sure the app is stopped, move DATA_DIR away by hand, then restore',
        );
      }
    }
    return held;
  } catch (error) {
    release(held, undefined);
    throw error;
  }
}

/**
 * Closes the lock connections. Once their files have been moved (`movedAside`), SQLite sees each
 * file gone from its path and closes without a checkpoint: the old folder keeps its `-wal` as it
 * was. A `-wal` the lock itself made (an empty one, for a file that had none) is removed again.
 */
function release(locks: readonly HeldLock[], movedAside: string | undefined): void {
  for (const { db } of locks) if (db.isOpen) db.close();
  if (movedAside === undefined) return;
  for (const { name, walExisted } of locks) {
    const wal = join(movedAside, `${name}-wal`);
    if (!walExisted && existsSync(wal) && statSync(wal).size === 0) unlinkSync(wal);
  }
}

/** `<DATA_DIR>.before-restore-<UTC time>`, made unique if a restore in the same second took it. */
function asideName(target: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const base = `${target}.before-restore-${stamp}`;
  let name = base;
  for (let n = 2; existsSync(name); n += 1) name = `${base}-${n}`;
  return name;
}
