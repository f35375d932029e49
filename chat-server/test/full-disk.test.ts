import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer, type TestUser } from './support/chat-server';
import { StompErrorFrame } from './support/stomp-client';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.log('full-disk.test.ts skipped: mounting a 3 MB tmpfs as DATA_DIR needs root');

/** The data folder on a 3 MB tmpfs, filled up by a filler file and freed again. */
describe.skipIf(!isRoot)('a full disk under DATA_DIR', () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'chat-full-disk-'));
  const filler = join(mountPoint, 'filler');
  let mounted = false;
  let chat: TestChatServer;
  let owner: TestUser;
  let roomId: string;
  let sent = 0;

  beforeAll(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3M', 'tmpfs', mountPoint]);
    mounted = true;
    chat = await TestChatServer.start({}, { dataDir: join(mountPoint, 'data') });
    owner = await chat.user();
    roomId = (await chat.createRoom(owner)).id;
  });
  afterAll(async () => {
    rmSync(filler, { force: true });
    await chat?.close();
    if (mounted) execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  const ready = async () => {
    const response = await fetch(`${chat.url}/health/ready`);
    return { status: response.status, body: await response.text() };
  };
  const sendByRest = () =>
    owner.api.post<{ code?: string; message?: string }>('/v1/api/chat/api/v1/message', {
      roomId,
      clientMessageId: `rest-${++sent}`,
      content: `line ${sent} ${'padding '.repeat(50)}`,
    });

  it('refuses writes with a retryable storage-full, says so in readiness while reads go on, and recovers once space is freed', async () => {
    expect((await sendByRest()).status).toBe(201);
    expect((await ready()).status).toBe(200);

    fillUp(filler);
    // SQLite may still fit a line in space it already holds: the first refusal comes within a few.
    let refused = await sendByRest();
    for (let attempt = 0; attempt < 50 && refused.status === 201; attempt++) refused = await sendByRest();
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'storage-full' });
    expect(refused.body.message).toContain('try again later');

    // Still ready (reads work, and another instance would share this store), and it says so.
    const degraded = await ready();
    expect(degraded.status).toBe(200);
    expect(JSON.parse(degraded.body)).toMatchObject({
      info: { store: { status: 'up', writes: expect.stringContaining('out of disk space') } },
    });
    expect((await owner.api.get(`/v1/api/chat/history?roomId=${roomId}`)).status).toBe(200);

    const client = await chat.connect(owner);
    await client.send('/chat/pub/join', { roomId });
    const stompRefusal = await client
      .send('/chat/pub/send', { roomId, clientMessageId: 'stomp-1', content: 'over STOMP' })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(stompRefusal).toBeInstanceOf(StompErrorFrame);
    expect((stompRefusal as StompErrorFrame).code).toBe('storage-full');
    expect((stompRefusal as StompErrorFrame).frame.headers.message).toContain('try again later');

    const metrics = await (await fetch(`${chat.url}/metrics`)).text();
    expect(metrics).toMatch(/^chat_lines_total\{outcome="storage-full"[^}]*\} [1-9]/m);

    rmSync(filler);
    await expectEventually(async () => expect((await ready()).body).not.toContain('out of disk space'), {
      timeoutMs: 10_000,
    });
    expect((await sendByRest()).status).toBe(201);
    const again = await chat.connect(owner);
    await again.send('/chat/pub/send', { roomId, clientMessageId: 'stomp-2', content: 'over STOMP again' });
  });
});

/** Writes zeros to `path` until the file system has no space left. */
function fillUp(path: string): void {
  const chunk = Buffer.alloc(64 * 1024);
  const fd = openSync(path, 'w');
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}
