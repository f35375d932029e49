// One host only: an embedded SQLite file under DATA_DIR, which processes on that host may share (npm run cluster:local); use the MongoDB adapters across hosts.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  constants,
  DatabaseSync,
  type SQLInputValue,
  type SQLOutputValue,
  type StatementSync,
} from 'node:sqlite';
import { Logger } from '@nestjs/common';
import { migrations as chatMigrations, type Migration } from './migrations.sqlite';
import { isSqliteError, SQLITE_BUSY } from './sqlite-errors';
import { WalCheckpointer } from './wal-checkpointer';

export interface SqliteDatabaseOptions {
  /** File name inside the data folder. */
  readonly fileName?: string;
  /** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
  /** Page cache of this connection in MiB (CHAT_SQLITE_CACHE_MB); SQLite's own default (2) when absent. */
  readonly cacheMb?: number;
  /** Schema to bring the file up to; the chat schema unless a test says otherwise. */
  readonly migrations?: readonly Migration[];
  /**
   * How often a thread of its own checkpoints the write-ahead log (CHAT_SQLITE_CHECKPOINT_MS);
   * absent or 0: SQLite checkpoints inline, in the commit that fills the log past 1,000 pages.
   */
  readonly checkpointIntervalMs?: number;
  /** Told when the checkpoint thread fails other than by a lock (it keeps trying). */
  readonly onCheckpointError?: (message: string) => void;
  /** Told what upgrading the file's schema did, step by step, with timings; default: the log. */
  readonly onMigration?: (line: string) => void;
}

/**
 * With the checkpoint thread, the connection still checkpoints inline once the log passes this
 * many pages (~40 MB), so a stalled thread cannot let the log grow without bound.
 */
const INLINE_CHECKPOINT_BACKSTOP_PAGES = 10_000;

/** One access SQLite checks while it compiles a statement: its authorizer action code and arguments. */
export interface CompiledAccess {
  readonly action: number;
  readonly first: string | null;
  readonly second: string | null;
}

export interface RunResult {
  readonly changes: number;
}

/**
 * The chat server's one SQLite connection, shared by the room and message stores.
 *
 * `DatabaseSync` is synchronous: every call blocks the event loop until SQLite answers, which
 * is fine for one node as long as each call stays short (indexed lookups, bounded pages).
 * Statements are prepared once and cached by their SQL text, each with the function that turns
 * its rows into objects (`rowShape`).
 *
 * Compiled once means once: a value SQLite may plan on is written `+?`, as in `LIMIT +?` and, in
 * a statement with a join or an ORDER BY, `col = +?`. SQLite marks a statement to be compiled
 * again when such a parameter is bound (`LIMIT ?` in 3.53, `col = ?` too from 3.54), and
 * node:sqlite clears and binds every parameter on every run, so a bare `?` there costs a whole
 * compilation per run: 6-13 µs in a loop, a third of a joined-list page's statement. The unary
 * plus changes no value and no plan (EXPLAIN QUERY PLAN is the same). `observeCompilations`
 * shows any statement that still compiles again (sqlite-database.test.ts).
 *
 * Durability: WAL with `synchronous=NORMAL` survives a crash of the process; a power loss may
 * drop the last transactions before a checkpoint (the usual WAL trade-off for write speed).
 *
 * Holders: each store calls `retain()` when it starts using the connection and `release()` when
 * it closes; the connection closes when the last holder lets go.
 */
export class SqliteDatabase {
  private readonly statements = new Map<string, Prepared>();
  private holders = 0;
  private savepoints = 0;

  private constructor(
    private readonly db: DatabaseSync,
    /** Absolute or relative path of the database file. */
    readonly path: string,
    /** The thread that checkpoints the log, when CHAT_SQLITE_CHECKPOINT_MS is on. */
    readonly checkpointer?: WalCheckpointer,
  ) {}

  /** Opens (creating the folder and file if needed) and migrates `${dataDir}/chat.sqlite`. */
  static open(dataDir: string, options: SqliteDatabaseOptions = {}): SqliteDatabase {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    // Every room's lines are in here: readable by this user only (SQLite gives its -wal and -shm
    // files the database file's mode). A folder or file that exists keeps the mode it was given.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const path = join(dataDir, options.fileName ?? 'chat.sqlite');
    const created = !existsSync(path);
    const db = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: busyTimeoutMs });
    try {
      if (created) chmodSync(path, 0o600);
      db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
      switchToWal(db);
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('PRAGMA foreign_keys = ON');
      // Negative means KiB. With SQLite's 2 MiB a store of a few hundred MB re-reads its index
      // pages from the OS on almost every request (several pread calls per REST request).
      if (options.cacheMb !== undefined)
        db.exec(`PRAGMA cache_size = -${Math.trunc(options.cacheMb * 1024)}`);
      migrate(db, path, options.migrations ?? chatMigrations, options.onMigration ?? logMigration);
      if (!options.checkpointIntervalMs) return new SqliteDatabase(db, path);
      db.exec(`PRAGMA wal_autocheckpoint = ${INLINE_CHECKPOINT_BACKSTOP_PAGES}`);
      const checkpointer = WalCheckpointer.start(
        { path, intervalMs: options.checkpointIntervalMs, busyTimeoutMs },
        options.onCheckpointError ?? (() => undefined),
      );
      return new SqliteDatabase(db, path, checkpointer);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  get isOpen(): boolean {
    return this.db.isOpen;
  }

  /** Runs an INSERT/UPDATE/DELETE; returns how many rows it changed. */
  run(sql: string, ...params: SQLInputValue[]): RunResult {
    return { changes: Number(this.prepared(sql).statement.run(...params).changes) };
  }

  /** First row of a SELECT. `Row` must describe the SELECT's columns (SQLite does not check it). */
  get<Row>(sql: string, ...params: SQLInputValue[]): Row | undefined {
    const { statement, shape } = this.prepared(sql);
    const values = statement.get(...params) as RowValues | undefined;
    return values === undefined ? undefined : (shape(values) as Row);
  }

  /** Every row of a SELECT. `Row` must describe the SELECT's columns (SQLite does not check it). */
  all<Row>(sql: string, ...params: SQLInputValue[]): Row[] {
    const { statement, shape } = this.prepared(sql);
    const rows = statement.all(...params) as unknown[];
    for (let index = 0; index < rows.length; index++) rows[index] = shape(rows[index] as RowValues);
    return rows as Row[];
  }

  /**
   * Runs `fn`'s statements in one read transaction: they see one snapshot (another process's
   * write cannot land between them) and take SQLite's shared lock once instead of once each
   * (two `fcntl` calls per statement otherwise). `fn` must be synchronous and only read.
   * Inside `transaction()` it simply runs.
   */
  read<T>(fn: () => T): T {
    if (this.db.isTransaction) return synchronousResult(fn());
    this.run('BEGIN DEFERRED');
    try {
      return synchronousResult(fn());
    } finally {
      // Nothing was written: ending by ROLLBACK only lets the snapshot go, and guarantees it.
      if (this.db.isTransaction) this.run('ROLLBACK');
    }
  }

  /**
   * Calls `observer` for each access SQLite checks while it compiles a statement on this
   * connection (tables, columns, functions), for diagnostics and tests: a cached statement that
   * SQLite compiles again on every run keeps calling it. It is an authorizer that allows
   * everything; installing it makes every cached statement compile once more.
   */
  observeCompilations(observer: (what: CompiledAccess) => void): void {
    this.db.setAuthorizer((action, first, second) => {
      observer({ action, first, second });
      return constants.SQLITE_OK;
    });
  }

  /** Runs a statement without caching it (pragmas, one-off maintenance). */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  /**
   * Runs `fn` in one transaction: all its writes commit together or none do. Nested calls
   * become savepoints. `fn` must be synchronous: awaiting inside would let other callers'
   * statements slip into this transaction.
   */
  transaction<T>(fn: () => T): T {
    if (this.db.isTransaction) return this.savepoint(fn);
    // IMMEDIATE takes the write lock up front, so a read-then-write never fails half-way on a lock upgrade.
    // Cached statements, as every other: a steady server compiles nothing (observeCompilations).
    this.run('BEGIN IMMEDIATE');
    try {
      const result = synchronousResult(fn());
      this.run('COMMIT');
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.run('ROLLBACK');
      throw error;
    }
  }

  /** A store starts using this connection. */
  retain(): this {
    if (!this.db.isOpen) throw new Error(`SQLite database ${this.path} is closed`);
    this.holders += 1;
    return this;
  }

  /** A store is done with this connection; the last one to let go closes it. */
  release(): void {
    if (this.holders === 0) return;
    this.holders -= 1;
    if (this.holders === 0) this.close();
  }

  /** Resolves once the connection is closed and its checkpoint thread, if any, has exited. */
  async closed(): Promise<void> {
    if (this.db.isOpen) throw new Error(`SQLite database ${this.path} is still open`);
    await this.checkpointer?.exited();
  }

  /** Closes the connection now, whoever still holds it (idempotent). */
  close(): void {
    if (!this.db.isOpen) return;
    this.checkpointer?.stop();
    this.statements.clear();
    this.db.close();
  }

  private savepoint<T>(fn: () => T): T {
    const name = `nested_${++this.savepoints}`;
    this.run(`SAVEPOINT ${name}`);
    try {
      const result = synchronousResult(fn());
      this.run(`RELEASE ${name}`);
      return result;
    } catch (error) {
      this.run(`ROLLBACK TO ${name}`);
      this.run(`RELEASE ${name}`);
      throw error;
    } finally {
      this.savepoints -= 1;
    }
  }

  private prepared(sql: string): Prepared {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      const statement = this.db.prepare(sql);
      prepared = { statement, shape: rowShape(statement) };
      this.statements.set(sql, prepared);
    }
    return prepared;
  }
}

type RowValues = readonly SQLOutputValue[];
type RowShape = (values: RowValues) => Record<string, SQLOutputValue>;

interface Prepared {
  readonly statement: StatementSync;
  /** Turns one row, read as an array of column values, into an object keyed by column name. */
  readonly shape: RowShape;
}

/**
 * Rows are read as arrays and turned into objects by a function made for the statement's
 * columns. node:sqlite's own row objects have a null prototype, which V8 builds as dictionaries:
 * slower to create, and every read of a column from one is a megamorphic lookup. An object
 * literal of fixed keys shares one hidden class per statement. Measured on the REST bench's
 * seed, one statement in a loop: a 10-row history page 30 % cheaper, a one-row lookup 16 %.
 */
function rowShape(statement: StatementSync): RowShape {
  const names = statement.columns().map((column) => column.name);
  if (names.length === 0) return () => ({});
  statement.setReturnArrays(true);
  // Keys are the statement's own column names, quoted by JSON.stringify; no value is code. A
  // computed key keeps a column named __proto__ an own property, as node:sqlite's rows have it.
  const fields = names.map((name, index) => {
    const key = JSON.stringify(name);
    return `${name === '__proto__' ? `[${key}]` : key}: values[${index}]`;
  });
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- built once per statement, from its column names
  return new Function('values', `return { ${fields.join(', ')} };`) as RowShape;
}

function synchronousResult<T>(result: T): T {
  if (result instanceof Promise) {
    // The transaction is rolled back by the caller's catch; the promise is left to settle alone.
    result.catch(() => undefined);
    throw new TypeError('SqliteDatabase.transaction() needs a synchronous callback');
  }
  return result;
}

const logMigration = (line: string): void => new Logger(SqliteDatabase.name).log(line);

/**
 * How long a process starting on a file waits for another process's upgrade step to end. A step
 * holds the write lock for as long as it runs (schema 13: ~20 s per million lines); without the
 * wait, every other process opening the file then failed at the busy timeout ("database is locked").
 */
export const UPGRADE_WAIT_MS = 15 * 60_000;

/**
 * Runs `sql` again while another connection's lock refuses it (SQLITE_BUSY), up to
 * UPGRADE_WAIT_MS: `pauseMs` between tries (0 where SQLite's busy timeout already waited inside
 * the try), and `waiting` called at the first refusal.
 */
function execWhileBusy(
  db: DatabaseSync,
  sql: string,
  pauseMs: number,
  waiting = (): void => undefined,
): void {
  const giveUpAt = Date.now() + UPGRADE_WAIT_MS;
  let told = false;
  for (;;) {
    try {
      db.exec(sql);
      return;
    } catch (error) {
      if (!isSqliteError(error, SQLITE_BUSY) || Date.now() >= giveUpAt) throw error;
      if (!told) waiting();
      told = true;
      // open is synchronous: a short sleep of this thread.
      if (pauseMs > 0) Atomics.wait(PAUSE, 0, 0, pauseMs);
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * PRAGMA journal_mode = WAL, retried every 25 ms: SQLite answers it with SQLITE_BUSY at once, not
 * after the busy timeout, while another connection writes a file still in its first journal
 * mode. Two processes starting on a new file (cluster:local) met that, and the second failed to
 * start with "database is locked".
 */
const switchToWal = (db: DatabaseSync): void => execWhileBusy(db, 'PRAGMA journal_mode = WAL', 25);

/** BEGIN IMMEDIATE, retried while another connection holds the write lock (each try waits the busy timeout inside SQLite). */
const beginWaitingForOtherUpgrades = (db: DatabaseSync, path: string, tell: (line: string) => void): void =>
  execWhileBusy(db, 'BEGIN IMMEDIATE', 0, () =>
    tell(
      `${path} is locked by another process (its own upgrade, most likely): waiting for it, up to ${UPGRADE_WAIT_MS / 60_000} minutes`,
    ),
  );

/** Applies the migrations the file has not seen yet, each in its own transaction. */
function migrate(
  db: DatabaseSync,
  path: string,
  all: readonly Migration[],
  tell: (line: string) => void,
): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const latestKnown = all.reduce((max, migration) => Math.max(max, migration.version), 0);
  const currentVersion = () =>
    Number(db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get()?.v ?? 0);
  const current = currentVersion();
  if (current > latestKnown) {
    throw new Error(
      `SQLite database ${path} has schema version ${current}, newer than this build knows (${latestKnown}); upgrade the server`,
    );
  }
  const pending = [...all].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  if (pending.length === 0) return;
  // An upgrade can take a while on a big file (schema 12 re-indexes every line): say what runs.
  if (current > 0)
    tell(
      `upgrading ${path} from schema ${current} to ${latestKnown}: ${pending.length} step(s), each in one transaction (a failed step leaves the file at the one before)`,
    );
  const started = Date.now();
  for (const migration of pending) {
    const stepStarted = Date.now();
    beginWaitingForOtherUpgrades(db, path, tell);
    try {
      // Checked again under the write lock: another process may have migrated meanwhile.
      if (migration.version > currentVersion()) {
        for (const [name, fn] of Object.entries(migration.functions ?? {}))
          db.function(name, { deterministic: true, varargs: true }, (...texts) =>
            texts.every((text) => typeof text === 'string') ? fn(...texts) : null,
          );
        db.exec(migration.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          migration.version,
          migration.name,
          Date.now(),
        );
      }
      db.exec('COMMIT');
      if (current > 0)
        tell(`schema ${migration.version} (${migration.name}) applied in ${Date.now() - stepStarted} ms`);
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw new Error(
        `SQLite migration ${migration.version} (${migration.name}) failed on ${path}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  if (current > 0) tell(`${path} is at schema ${latestKnown} (${Date.now() - started} ms)`);
}
