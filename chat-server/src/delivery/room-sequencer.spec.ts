import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toChatMessage } from '../message-store/chat-message.mapper';
import { SqliteMessageStore } from '../message-store/message-store.sqlite';
import { SqliteDatabase } from '../storage/database.sqlite';
import { RoomSequencer, type SequencedLine } from './room-sequencer';

const ROOM = 'room-1';
const id = (n: number): string => `${n.toString(16).padStart(12, '0')}000000aaaaaaaa`;

describe('RoomSequencer', () => {
  let dataDir: string;
  let store: SqliteMessageStore;
  let sequencer: RoomSequencer;
  let lines: SequencedLine[];
  const delivered: string[] = [];
  const deliver = (messageId: string): void => void delivered.push(messageId);
  const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));
  /** Appends line `n` of `roomId` to the store, as the fan-out would carry it. */
  const appendLine = async (roomId: string, n: number): Promise<SequencedLine> => {
    const { message, seq } = await store.append({
      messageId: id(n),
      roomId,
      clientMessageId: null,
      type: 'TALK',
      sender: { uid: 'ann', nickName: 'Ann', profileImage: null },
      content: `line ${n}`,
      createdAt: new Date(0),
    });
    return { id: message.messageId, seq, body: JSON.stringify(toChatMessage(message)) };
  };

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sequencer-'));
    store = new SqliteMessageStore(SqliteDatabase.open(dataDir));
    sequencer = new RoomSequencer(store);
    delivered.length = 0;
    lines = [];
    for (let n = 1; n <= 6; n += 1) lines.push(await appendLine(ROOM, n));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('hands lines on as they come when none is missing, and drops repeats', async () => {
    for (const index of [0, 1, 1, 2, 0]) sequencer.accept(ROOM, lines[index], deliver);
    expect(delivered).toEqual([id(1), id(2), id(3)]);
  });

  it('fills a gap from the store before the line after it, and holds what arrives meanwhile', async () => {
    sequencer.accept(ROOM, lines[0], deliver);
    sequencer.accept(ROOM, lines[3], deliver); // 2 and 3 were lost on the way
    sequencer.accept(ROOM, lines[4], deliver); // arrives while the gap is being filled
    sequencer.accept(ROOM, lines[2], deliver); // a late copy of a missing line
    await settled();
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6].map(id)); // the store also had 6, committed before the repair read
    sequencer.accept(ROOM, lines[5], deliver);
    expect(delivered).toHaveLength(6);
  });

  it('orders two publishers whose lines cross on the way', async () => {
    sequencer.accept(ROOM, lines[0], deliver);
    sequencer.accept(ROOM, lines[2], deliver);
    sequencer.accept(ROOM, lines[1], deliver);
    await settled();
    expect(delivered.slice(0, 3)).toEqual([id(1), id(2), id(3)]);
    expect(new Set(delivered).size).toBe(delivered.length);
  });

  it('starts afresh after the room was forgotten (nobody here followed it)', async () => {
    sequencer.accept(ROOM, lines[0], deliver);
    sequencer.forget(ROOM);
    sequencer.accept(ROOM, lines[4], deliver);
    expect(delivered).toEqual([id(1), id(5)]);
  });

  it('catches up from the store when the fan-out was cut off, even with no later line to show the gap', async () => {
    sequencer.accept(ROOM, lines[0], deliver);
    sequencer.accept(ROOM, lines[1], deliver);
    // Lines 3 to 6 were published while the fan-out was away: none of them arrives.
    sequencer.catchUp(ROOM, deliver);
    await settled();
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6].map(id));
    sequencer.catchUp('a room nobody follows here', deliver);
    expect(delivered).toHaveLength(6);
  });

  describe('followed from where the room stands', () => {
    /** Lines 7 and 8, committed after this instance began following the room. */
    const later = async (): Promise<SequencedLine[]> => [
      await appendLine(ROOM, 7),
      await appendLine(ROOM, 8),
    ];

    it('hands on the first two lines in order when they cross on the way (two publishers)', async () => {
      await sequencer.follow(ROOM, Promise.resolve(), deliver);
      const [seventh, eighth] = await later();
      sequencer.accept(ROOM, eighth, deliver); // the other instance's line overtook this one's
      sequencer.accept(ROOM, seventh, deliver);
      await settled();
      expect(delivered).toEqual([id(7), id(8)]);
    });

    it('leaves what was committed before it followed to the replay, and holds lines until it knows', async () => {
      let subscribed!: () => void;
      const following = sequencer.follow(
        ROOM,
        new Promise<void>((resolve) => (subscribed = resolve)),
        deliver,
      );
      const [seventh, eighth] = await later();
      sequencer.accept(ROOM, lines[5], deliver); // committed before: a subscriber's replay has it
      sequencer.accept(ROOM, eighth, deliver);
      sequencer.accept(ROOM, seventh, deliver);
      expect(delivered).toEqual([]);
      subscribed();
      await following;
      await settled();
      // The store already held 7 and 8 when it was asked where the room stood: they are the replay's too.
      expect(delivered).toEqual([]);
    });

    it('fills the gap from the store when the room had no line yet and its first arrives second', async () => {
      const empty = 'room-2';
      await sequencer.follow(empty, Promise.resolve(), deliver);
      const first = await appendLine(empty, 101);
      const second = await appendLine(empty, 102);
      sequencer.accept(empty, second, deliver);
      await settled();
      sequencer.accept(empty, first, deliver);
      expect(delivered).toEqual([first.id, second.id]);
    });
  });
});
