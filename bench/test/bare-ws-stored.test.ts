import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { frame, parseFrames, text, type WireFrame } from '../src/e2e/stomp-wire';
import type { BareWsTarget as BareWsTargetType } from '../src/e2e/targets/bare-ws';

// The built target: it forks the built bare-ws-server.js beside it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { BareWsTarget } = require('../dist/e2e/targets/bare-ws') as {
  BareWsTarget: typeof BareWsTargetType;
};

/** A raw STOMP client that keeps every frame it receives. */
async function connect(url: string, uid: string): Promise<{ ws: WebSocket; frames: WireFrame[] }> {
  const ws = new WebSocket(url, ['v12.stomp']);
  const frames: WireFrame[] = [];
  ws.on('message', (data: Buffer) => frames.push(...parseFrames(text(data))));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(frame('CONNECT', { 'accept-version': '1.2', 'heart-beat': '0,0', login: uid }));
  await until(() => frames.some((f) => f.command === 'CONNECTED'));
  return { ws, frames };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The `bare-ws-stored` baseline the bench compares the product with must really store: each
 * line committed through the chat server's SQLite store before its RECEIPT, with the sender's
 * read position, in a room its members joined first (as the product's do). Seen from outside:
 * the SQLite file it writes.
 */
describe('bare-ws-stored baseline (bench target)', () => {
  let target: BareWsTargetType;

  beforeAll(async () => {
    target = await BareWsTarget.start('bare-ws-stored');
  }, 30_000);
  afterAll(async () => {
    await target?.stop();
  });

  it('stores every line before its RECEIPT and delivers it to every subscriber', async () => {
    const roomId = '3f6c1a52-8d0e-4b7a-9c21-5e4d3b2a1f00';
    const destination = `/chat/topic/room/${roomId}`;
    const [alice, bob] = [await connect(target.wsUrl, 'alice'), await connect(target.wsUrl, 'bob')];
    // As the load generator does: the target's join first, then SUBSCRIBE.
    const joining = target.join({ id: roomId, destination })!;
    for (const [n, client] of [alice, bob].entries()) {
      client.ws.send(
        frame(
          'SEND',
          { destination: joining.destination, ...joining.headers, receipt: `join-${n}` },
          joining.body,
        ),
      );
      await until(() => client.frames.some((f) => f.headers['receipt-id'] === `join-${n}`));
      client.ws.send(frame('SUBSCRIBE', { id: 'sub-0', destination, receipt: `sub-${n}` }));
      await until(() => client.frames.some((f) => f.headers['receipt-id'] === `sub-${n}`));
    }
    for (let n = 0; n < 5; n++)
      alice.ws.send(
        frame(
          'SEND',
          { destination: '/chat/pub/send', 'content-type': 'application/json', receipt: `line-${n}` },
          JSON.stringify({ roomId, content: `line ${n}`, clientMessageId: `c-${n}` }),
        ),
      );
    await until(() => alice.frames.some((f) => f.headers['receipt-id'] === 'line-4'));
    await until(() => bob.frames.filter((f) => f.command === 'MESSAGE').length === 5);

    const db = new DatabaseSync(join(target.dataDir!, 'chat.sqlite'), { readOnly: true });
    try {
      const stored = db
        .prepare('SELECT message_id, content, sender_uid FROM messages WHERE room_id = ? ORDER BY room_seq')
        .all(roomId) as { message_id: string; content: string; sender_uid: string }[];
      expect(stored.map((row) => row.content)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
      expect(new Set(stored.map((row) => row.sender_uid))).toEqual(new Set(['alice']));
      // What was delivered is what was stored, ids included.
      const delivered = bob.frames
        .filter((f) => f.command === 'MESSAGE')
        .map((f) => (JSON.parse(f.body) as { messageId: string }).messageId);
      expect(delivered).toEqual(stored.map((row) => row.message_id));
      const members = db
        .prepare('SELECT uid, last_read_message_id FROM room_members WHERE room_id = ? ORDER BY uid')
        .all(roomId);
      expect(members).toEqual([
        { uid: 'alice', last_read_message_id: stored[4].message_id },
        { uid: 'bob', last_read_message_id: null },
      ]);
    } finally {
      db.close();
      alice.ws.close();
      bob.ws.close();
    }
  });

  it('removes its data folder when it stops', async () => {
    const dataDir = target.dataDir!;
    expect(existsSync(join(dataDir, 'chat.sqlite'))).toBe(true);
    await target.stop();
    expect(existsSync(dataDir)).toBe(false);
  });
});
