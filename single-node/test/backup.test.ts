import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations as chatMigrations } from '../../chat-server/src/storage/migrations.sqlite';
import { TestStompClient } from '../../chat-server/test/support/stomp-client';
import type { SingleNode } from '../src/single-node';
import { repoRoot } from './support/repo-root';
import { createRoom } from './support/rooms';
import { devToken, startTestNode } from './support/test-node';

const run = promisify(execFile);
/** Under the whole-history read's 10,000. */
const MAX_LINES_DURING = 5_000;

/** `npm run backup -- <folder>` as the operator runs it (the built script, DATA_DIR from the environment). */
const backup = (dataDir: string, ...args: string[]) =>
  run(process.execPath, [join(repoRoot, 'single-node/dist/backup.js'), ...args], {
    env: { ...process.env, DATA_DIR: dataDir },
  }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

/** `npm run restore -- <folder>`, likewise. */
const restore = (dataDir: string, folder: string) =>
  run(process.execPath, [join(repoRoot, 'single-node/dist/restore.js'), folder], {
    env: { ...process.env, DATA_DIR: dataDir },
  }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

describe('npm run backup: a consistent copy of DATA_DIR while the single node runs', () => {
  const root = mkdtempSync(join(tmpdir(), 'backup-test-'));
  const dataDir = join(root, 'data');
  let node: SingleNode | undefined;

  afterAll(async () => {
    await node?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** The node's own secret (AUTH_JWT_SECRET unset: made in DATA_DIR), so tokens show it was carried; lines unthrottled. */
  const start = (folder: string) =>
    startTestNode(folder, { AUTH_JWT_SECRET: '', CHAT_SEND_RATE_LIMIT: '100000' });
  /** The room's whole history, oldest first: its chat lines' text. */
  const talkIn = async (roomId: string, token: string) => {
    const answer = await fetch(`${node!.chat.url}/v1/api/chat/api/v1/history/${roomId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(answer.status).toBe(200);
    const { messages, truncated } = (await answer.json()) as {
      messages: { type: string; content: string }[];
      truncated: boolean;
    };
    expect(truncated).toBe(false);
    return messages.filter((line) => line.type === 'TALK').map((line) => line.content);
  };

  it('copies every file while lines are being written, and the copy, restored, starts a node with them', async () => {
    node = await start(dataDir);
    const token = await devToken(node.chat.url, 'u-ann');
    const { id: roomId } = await createRoom(
      node.chat.url,
      token,
      { uid: 'u-ann', userName: 'Ann' },
      { id: 'pl-backup', name: 'Backup' },
    );
    const client = await TestStompClient.connect(`${node.chat.url.replace(/^http/, 'ws')}/ws-chat`, token);
    await client.send('/chat/pub/join', { roomId });
    for (let i = 0; i < 5; i += 1)
      await client.send('/chat/pub/send', { roomId, clientMessageId: `before-${i}`, content: `before ${i}` });
    const presenceOff = await fetch(`${node.presence.url}/api/v1/presence/off`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roomId }),
    });
    expect(presenceOff.status).toBe(200); // presence.sqlite has something to carry
    await fetch(`${node.presence.url}/api/v1/presence/on`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roomId }),
    });

    // Lines keep coming while the backup runs: it must still be one consistent snapshot.
    let writing = true;
    let sent = 0;
    const writer = (async () => {
      while (writing && sent < MAX_LINES_DURING) {
        await client.send('/chat/pub/send', {
          roomId,
          clientMessageId: `during-${sent}`,
          content: `during ${sent}`,
        });
        sent += 1;
      }
    })();
    const target = join(root, 'backup-1');
    const done = await backup(dataDir, target);
    writing = false;
    await writer;
    await client.disconnect();

    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const latestChatSchema = Math.max(...chatMigrations.map((migration) => migration.version));
    expect(done.stdout).toMatch(new RegExp(`chat\\.sqlite .* schema ${latestChatSchema}, checked ok`));
    expect(done.stdout).toMatch(/presence\.sqlite .* schema 2, checked ok/);
    expect(done.stdout).toMatch(/auth-secret .* copied/);
    expect(sent).toBeGreaterThan(0);
    expect(readdirSync(target).sort()).toEqual(['auth-secret', 'chat.sqlite', 'presence.sqlite']);
    expect(statSync(target).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(target)) expect(statSync(join(target, file)).mode & 0o777).toBe(0o600);
    expect(readdirSync(root).filter((name) => name.includes('partial'))).toEqual([]);

    // Restored (`npm run restore`, into a DATA_DIR of its own): a node on it knows the room,
    // every line from before, and the old tokens.
    await node.close();
    const restoredDir = join(root, 'restored');
    const restoring = await restore(restoredDir, target);
    expect(restoring.stderr).toBe('');
    expect(restoring.code).toBe(0);
    node = await start(restoredDir);
    const restored = await talkIn(roomId, token);
    // Every line from before, then a prefix of those written meanwhile: nothing torn or missing.
    const copied = restored.length - 5;
    expect(copied).toBeLessThanOrEqual(sent);
    expect(restored).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `before ${i}`),
      ...Array.from({ length: copied }, (_, i) => `during ${i}`),
    ]);
    const listed = await fetch(`${node.presence.url}/api/v1/presence/${roomId}/off`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(listed.status).toBe(200);
  }, 60_000);

  it('refuses a folder that is not empty, or inside DATA_DIR, and changes nothing', async () => {
    const used = join(root, 'used');
    mkdirSync(used);
    writeFileSync(join(used, 'keep.txt'), 'mine');
    const refused = await backup(dataDir, used);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${used} exists and is not empty`);
    expect(readdirSync(used)).toEqual(['keep.txt']);

    const inside = await backup(dataDir, join(dataDir, 'copy'));
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain('the backup must go outside DATA_DIR');
    expect(existsSync(join(dataDir, 'copy'))).toBe(false);
  });

  it('refuses a target inside DATA_DIR reached through a symbolic link, either way round', async () => {
    const before = readdirSync(dataDir).sort();
    const linkToData = join(root, 'link-to-data');
    symlinkSync(dataDir, linkToData);
    const throughLink = await backup(dataDir, join(linkToData, 'inside'));
    expect(throughLink.code).toBe(2);
    expect(throughLink.stderr).toContain('the backup must go outside DATA_DIR');

    // DATA_DIR named through the link, the target named by the real folder.
    const dataThroughLink = await backup(linkToData, join(dataDir, 'inside-too'));
    expect(dataThroughLink.code).toBe(2);
    expect(dataThroughLink.stderr).toContain('the backup must go outside DATA_DIR');
    expect(readdirSync(dataDir).sort()).toEqual(before); // no backup, no partial folder in it
  });

  it('refuses a DATA_DIR without data, naming it', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const refused = await backup(empty, join(root, 'backup-2'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${empty} holds no SQLite file: nothing to back up`);
    expect(existsSync(join(root, 'backup-2'))).toBe(false);
    expect((await backup(dataDir)).code).toBe(2); // no folder named: the usage
  });
});
