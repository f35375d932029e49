import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, freePort } from '@playlist-chat/platform/testing';
import { migrations as chatMigrations } from '../../chat-server/src/storage/migrations.sqlite';
import { TestStompClient } from '../../chat-server/test/support/stomp-client';
import { repoRoot } from './support/repo-root';
import { createRoom } from './support/rooms';
import { devToken } from './support/test-node';

const run = promisify(execFile);
type Ran = { code: number; stdout: string; stderr: string };
/** A built script (`npm run backup` / `npm run restore` without the build) as the operator runs it, DATA_DIR from the environment. */
const script =
  (name: string) =>
  (dataDir: string, ...args: string[]): Promise<Ran> =>
    run(process.execPath, [join(repoRoot, `single-node/dist/${name}.js`), ...args], {
      env: { ...process.env, DATA_DIR: dataDir },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: Ran) => error,
    );
const backup = script('backup');
const restore = script('restore');

/** Each file of a folder with a digest of its bytes: what "left as it was" compares. */
const contentOf = (folder: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(folder)
      .sort()
      .map((name) => {
        const path = join(folder, name);
        if (!statSync(path).isFile()) return [name, 'folder'];
        return [name, createHash('sha256').update(readFileSync(path)).digest('hex')];
      }),
  );

/** `PRAGMA integrity_check` of a SQLite file: 'ok', or what SQLite found wrong. */
function integrityOf(path: string): string {
  const db = new DatabaseSync(path);
  try {
    return (db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[])
      .map((row) => row.integrity_check)
      .join('; ');
  } catch (error) {
    return (error as Error).message;
  } finally {
    db.close();
  }
}

/** A SQLite chat store's `integrity_check` and its number of chat lines (or the error reading them). */
function copiedInState(path: string): { integrity: string; lines: number | string } {
  const integrity = integrityOf(path);
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const { lines } = db.prepare("SELECT count(*) AS lines FROM messages WHERE type = 'TALK'").get() as {
      lines: number;
    };
    return { integrity, lines };
  } catch (error) {
    return { integrity, lines: (error as Error).message };
  } finally {
    db.close();
  }
}

/** The single node as its own process (`node single-node/dist/main.js`), so it can be killed like a crash. */
interface RunningNode {
  readonly child: ChildProcess;
  readonly base: string;
  output: string;
}

async function launch(dataDir: string): Promise<RunningNode> {
  const port = await freePort();
  const child = spawn(process.execPath, ['single-node/dist/main.js'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      GATEWAY_PORT: String(port),
      CHAT_PORT: String(await freePort()),
      PRESENCE_PORT: String(await freePort()),
      DATA_DIR: dataDir,
      // The node's own secret, made in DATA_DIR: a token from before still verifying shows it was restored.
      AUTH_JWT_SECRET: '',
      CHAT_SEND_RATE_LIMIT: '100000',
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const node: RunningNode = { child, base: `http://127.0.0.1:${port}`, output: '' };
  child.stdout?.on('data', (chunk: Buffer) => (node.output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (node.output += chunk.toString()));
  await expectEventually(
    () => {
      if (child.exitCode !== null) throw new Error(`the node exited ${child.exitCode}: ${node.output}`);
      expect(node.output).toContain('Playlist chat is running');
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return node;
}

async function kill(node: RunningNode | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!node || node.child.exitCode !== null || node.child.signalCode !== null) return;
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill(signal);
  await exited;
}

describe('npm run restore: a backup in DATA_DIR’s place, the node running, then crashed', () => {
  /** Made when the tests run (not when a filter skips them): its parent's real path, as the scripts print paths. */
  const root = join(realpathSync(tmpdir()), `restore-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  beforeAll(() => mkdirSync(root));
  const dataDir = join(root, 'data');
  const backupDir = join(root, 'backup');
  let node: RunningNode | undefined;
  let client: TestStompClient | undefined;
  let token = '';
  let roomId = '';
  const kept = Array.from({ length: 50 }, (_, i) => `kept ${i}`);
  const after = Array.from({ length: 300 }, (_, i) => `after ${i}`);

  afterAll(async () => {
    await client?.disconnect().catch(() => undefined);
    await kill(node, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  const send = (content: string) =>
    client!.send('/chat/pub/send', { roomId, clientMessageId: content.replaceAll(' ', '-'), content });
  /** The room's whole history through the gateway, oldest first: its chat lines' text. */
  const talk = async (): Promise<string[]> => {
    const answer = await fetch(`${node!.base}/v1/api/chat/api/v1/history/${roomId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(answer.status).toBe(200);
    const { messages } = (await answer.json()) as { messages: { type: string; content: string }[] };
    return messages.filter((line) => line.type === 'TALK').map((line) => line.content);
  };

  it('refuses while the node runs on DATA_DIR, and moves nothing', async () => {
    node = await launch(dataDir);
    token = await devToken(node.base, 'u-ann');
    ({ id: roomId } = await createRoom(
      node.base,
      token,
      { uid: 'u-ann', userName: 'Ann' },
      { id: 'pl-restore', name: 'Restore' },
    ));
    client = await TestStompClient.connect(`${node.base.replace(/^http/, 'ws')}/ws-chat`, token);
    await client.send('/chat/pub/join', { roomId });
    for (const line of kept) await send(line);
    expect((await backup(dataDir, backupDir)).code).toBe(0);
    for (const line of after) await send(line);

    const refused = await restore(dataDir, backupDir);
    expect(refused.stderr).toContain(`${join(dataDir, 'chat.sqlite')} is in use`);
    expect(refused.code).toBe(2);
    expect(readdirSync(root).sort()).toEqual(['backup', 'data']); // nothing moved aside, no half-made folder
    expect(readdirSync(dataDir)).toContain('chat.sqlite-wal'); // still the live folder
    await send('still running'); // and the node did not notice
    expect((await talk()).length).toBe(kept.length + after.length + 1);
  }, 150_000);

  it('after SIGKILL, restores the backup: the node starts on it with exactly the backed-up lines, the old folder kept whole', async () => {
    // A crash while lines are being written: the -wal and -shm stay behind, holding lines the backup lacks.
    let receipted = 0;
    const inFlight = Array.from({ length: 200 }, (_, i) =>
      send(`crash ${i}`).then(
        () => (receipted += 1),
        () => undefined,
      ),
    );
    await expectEventually(() => expect(receipted).toBeGreaterThanOrEqual(20), { timeoutMs: 30_000 });
    await kill(node, 'SIGKILL');
    await Promise.all(inFlight);
    await client?.closed.catch(() => undefined);
    client = undefined;
    expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(['chat.sqlite-wal', 'chat.sqlite-shm']));

    // What the docs used to say (copy the backup's files over DATA_DIR's) does not give the backup
    // back: SQLite replays the crash's -wal onto the backup's chat.sqlite (here, on a scratch copy).
    const copiedIn = join(root, 'copied-in');
    cpSync(dataDir, copiedIn, { recursive: true });
    for (const name of readdirSync(backupDir)) copyFileSync(join(backupDir, name), join(copiedIn, name));
    expect(copiedInState(join(copiedIn, 'chat.sqlite'))).not.toEqual({ integrity: 'ok', lines: kept.length });
    rmSync(copiedIn, { recursive: true });

    const crashed = contentOf(dataDir);
    const backedUp = contentOf(backupDir);
    const done = await restore(dataDir, backupDir);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const latestChatSchema = Math.max(...chatMigrations.map((migration) => migration.version));
    expect(done.stdout).toMatch(new RegExp(`chat\\.sqlite .* schema ${latestChatSchema}, checked ok`));
    expect(done.stdout).toMatch(/auth-secret .* copied/);

    // The old folder: moved aside whole, byte for byte (its -wal too), with its mode.
    const aside = readdirSync(root).filter((name) => name.startsWith('data.before-restore-'));
    expect(aside).toHaveLength(1);
    expect(aside[0]).toMatch(/^data\.before-restore-\d{8}T\d{6}Z$/);
    expect(done.stdout).toContain(join(root, aside[0]));
    expect(contentOf(join(root, aside[0]))).toEqual(crashed);
    expect(statSync(join(root, aside[0])).mode & 0o777).toBe(0o700);
    // The backup: untouched, so it can be restored again. Nothing else left beside them.
    expect(contentOf(backupDir)).toEqual(backedUp);
    expect(readdirSync(root).sort()).toEqual(['backup', 'data', aside[0]].sort());

    // The new DATA_DIR: the backup's files only, private, and sound.
    expect(readdirSync(dataDir).sort()).toEqual(Object.keys(backedUp));
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(dataDir)) expect(statSync(join(dataDir, name)).mode & 0o777).toBe(0o600);
    expect(integrityOf(join(dataDir, 'chat.sqlite'))).toBe('ok');

    node = await launch(dataDir);
    expect(await talk()).toEqual(kept); // the old token verifies: auth-secret came back too
    client = await TestStompClient.connect(`${node.base.replace(/^http/, 'ws')}/ws-chat`, token);
    await client.send('/chat/pub/join', { roomId });
    await send('after the restore');
    expect(await talk()).toEqual([...kept, 'after the restore']);
    await client.disconnect();
    client = undefined;
    await kill(node, 'SIGTERM');
    expect(integrityOf(join(dataDir, 'chat.sqlite'))).toBe('ok');

    // The lines written after the backup are still in the old folder (its -wal replayed onto its own file).
    const old = new DatabaseSync(join(root, aside[0], 'chat.sqlite'), { readOnly: true });
    const { lines } = old
      .prepare("SELECT count(*) AS lines FROM messages WHERE type = 'TALK' AND room_id = ?")
      .get(roomId) as { lines: number };
    old.close();
    // Every line from before the crash: those it answered, and perhaps some of those it had not yet.
    expect(lines).toBeGreaterThanOrEqual(kept.length + after.length + 1 + receipted);
    expect(lines).toBeLessThanOrEqual(kept.length + after.length + 1 + inFlight.length);
  }, 150_000);
});

describe('npm run restore refuses what is not a backup of its own, and changes nothing', () => {
  /** Made when the tests run (not when a filter skips them): its parent's real path, as the scripts print paths. */
  const root = join(
    realpathSync(tmpdir()),
    `restore-refused-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  beforeAll(() => mkdirSync(root));
  const dataDir = join(root, 'data');
  const backupDir = join(root, 'backup');

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A stopped DATA_DIR of a WAL-mode chat.sqlite, with a line in it, and its backup. */
  const prepare = async () => {
    mkdirSync(dataDir, { mode: 0o700 });
    const db = new DatabaseSync(join(dataDir, 'chat.sqlite'));
    db.exec("PRAGMA journal_mode = WAL; CREATE TABLE lines (text TEXT); INSERT INTO lines VALUES ('one')");
    db.close();
    writeFileSync(join(dataDir, 'auth-secret'), 'a'.repeat(64), { mode: 0o600 });
    expect((await backup(dataDir, backupDir)).code).toBe(0);
  };
  /** The restore is refused with `message`, and no folder was moved, made or left beside DATA_DIR. */
  const expectRefused = async (from: string, message: string) => {
    const before = contentOf(dataDir);
    const siblings = readdirSync(root).sort();
    const refused = await restore(dataDir, from);
    expect(refused.stderr).toContain(message);
    expect(refused.code).toBe(2);
    expect(contentOf(dataDir)).toEqual(before);
    expect(readdirSync(root).sort()).toEqual(siblings);
  };

  it('a backup inside DATA_DIR, named directly or through a symbolic link', async () => {
    await prepare();
    const inside = join(dataDir, 'inside');
    cpSync(backupDir, inside, { recursive: true });
    await expectRefused(inside, 'the backup must be outside DATA_DIR');
    const link = join(root, 'link-to-data');
    symlinkSync(dataDir, link);
    await expectRefused(join(link, 'inside'), 'the backup must be outside DATA_DIR');
    rmSync(link);
    rmSync(inside, { recursive: true });
  }, 60_000);

  it('a folder that holds a -wal (a live folder), or no chat.sqlite, or a broken one', async () => {
    const live = join(root, 'live');
    cpSync(backupDir, live, { recursive: true });
    writeFileSync(join(live, 'chat.sqlite-wal'), '');
    await expectRefused(live, 'it is a data folder an app had open');
    expect(readdirSync(live).sort()).toEqual(['auth-secret', 'chat.sqlite', 'chat.sqlite-wal']);

    const noChat = join(root, 'no-chat');
    mkdirSync(noChat);
    writeFileSync(join(noChat, 'auth-secret'), 'a'.repeat(64));
    await expectRefused(noChat, `${noChat} holds no chat.sqlite`);
    await expectRefused(join(root, 'missing'), `${join(root, 'missing')} does not exist`);

    const broken = join(root, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'chat.sqlite'), 'not a database, whatever its name'.repeat(200));
    await expectRefused(broken, `${join(broken, 'chat.sqlite')} is not a sound SQLite file`);
    rmSync(join(root, 'live'), { recursive: true });
    rmSync(noChat, { recursive: true });
    rmSync(broken, { recursive: true });
  }, 90_000);

  it('restores into a DATA_DIR that does not exist yet, and twice from the same backup', async () => {
    rmSync(dataDir, { recursive: true });
    const first = await restore(dataDir, backupDir);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`there was no ${dataDir} before`);
    const second = await restore(dataDir, backupDir);
    expect(second.code).toBe(0);
    const aside = readdirSync(root).filter((name) => name.startsWith('data.before-restore-'));
    expect(aside).toHaveLength(1);
    // The first restore's folder, as it was: no empty -wal left by the check that it was not in use.
    expect(readdirSync(join(root, aside[0])).sort()).toEqual(['auth-secret', 'chat.sqlite']);
    const db = new DatabaseSync(join(dataDir, 'chat.sqlite'), { readOnly: true });
    expect(db.prepare('SELECT text FROM lines').all()).toEqual([{ text: 'one' }]);
    db.close();
  }, 60_000);
});
