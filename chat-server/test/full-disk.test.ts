import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, mountTmpfs, tmpfsProblem, type Tmpfs } from '@playlist-chat/platform/testing';
import { TestChatServer, type TestUser } from './support/chat-server';
import { StompErrorFrame } from './support/stomp-client';

const cannotMount = tmpfsProblem();
if (cannotMount) console.log(`full-disk.test.ts skipped: ${cannotMount}`);

/** The data folder on a 3 MB tmpfs, filled up by a filler file and freed again. */
describe.skipIf(cannotMount !== undefined)('a full disk under DATA_DIR', () => {
  let disk: Tmpfs | undefined;
  let chat: TestChatServer;
  let owner: TestUser;
  let roomId: string;
  let sent = 0;

  beforeAll(async () => {
    disk = mountTmpfs('3M');
    chat = await TestChatServer.start({}, { dataDir: join(disk.dir, 'data') });
    owner = await chat.user();
    roomId = (await chat.createRoom(owner)).id;
  });
  afterAll(async () => {
    disk?.free();
    await chat?.close();
    disk?.unmount();
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

    disk!.fill();
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

    disk!.free();
    await expectEventually(async () => expect((await ready()).body).not.toContain('out of disk space'), {
      timeoutMs: 10_000,
    });
    expect((await sendByRest()).status).toBe(201);
    const again = await chat.connect(owner);
    await again.send('/chat/pub/send', { roomId, clientMessageId: 'stomp-2', content: 'over STOMP again' });
  });
});
