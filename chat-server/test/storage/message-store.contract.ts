/**
 * The MessageStore contract: every guarantee of `message-store.port.ts`, as one suite that
 * each adapter's test file runs (`messageStoreContract('sqlite', makeFixture)`).
 */
import type { StoredMessageType } from '@playlist-chat/contracts';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreFixture } from './store-fixture';
import type { MessageStore } from '../../src/message-store/message-store.port';
import type { StoredMessage } from '../../src/message-store/message.model';

const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const day = 24 * 60 * 60_000;

/** Time-ordered ids as the chat server gives them (26 hex digits): later messages sort after earlier ones. */
export const messageId = (n: number): string => `${(t0 + n).toString(16).padStart(12, '0')}000000c0ffee00`;

export function aMessage(roomId: string, n: number, overrides: Partial<StoredMessage> = {}): StoredMessage {
  return {
    messageId: messageId(n),
    roomId,
    clientMessageId: `client-${randomUUID()}`,
    type: 'TALK' satisfies StoredMessageType,
    sender: { uid: 'ann', nickName: 'Ann', profileImage: 'https://img.test/ann.png' },
    content: `message number ${n}`,
    createdAt: new Date(t0 + n * 1_000),
    ...overrides,
  };
}

const contents = (messages: readonly StoredMessage[]): string[] => messages.map((message) => message.content);
const messageIds = (messages: readonly StoredMessage[]): string[] =>
  messages.map((message) => message.messageId);

export function messageStoreContract(
  name: string,
  makeFixture: () => Promise<StoreFixture<MessageStore>>,
): void {
  describe(`MessageStore contract: ${name}`, () => {
    let fixture: StoreFixture<MessageStore>;
    let store: MessageStore;
    let room: string;
    const opened: MessageStore[] = [];
    const open = async (): Promise<MessageStore> => {
      const next = await fixture.open();
      opened.push(next);
      return next;
    };

    beforeEach(async () => {
      fixture = await makeFixture();
      store = await open();
      room = `room-${randomUUID()}`;
    });

    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close();
      await fixture.destroy();
    });

    /** Appends messages 1..count (or the given ones) to `roomId` in order. */
    const appendAll = async (messages: StoredMessage[]): Promise<StoredMessage[]> => {
      for (const message of messages) await store.append(message);
      return messages;
    };
    const numbered = (roomId: string, count: number, from = 1): StoredMessage[] =>
      Array.from({ length: count }, (_, index) => aMessage(roomId, from + index));

    describe('append', () => {
      it('stores the message and makes it readable', async () => {
        const message = aMessage(room, 1, {
          sender: { uid: 'bob', nickName: 'Bob', profileImage: null },
          type: 'ENTER',
          content: 'Bob has entered',
        });
        expect(await store.append(message)).toEqual({ message, seq: 1, duplicate: false });
        expect(await store.listAfter(room, null, 10)).toEqual([message]);
        expect(await store.latest(room)).toEqual(message);
      });

      it('stores a resend with the same client message id once and returns the earlier message', async () => {
        const first = aMessage(room, 1, { clientMessageId: 'c-1', content: 'hello' });
        await store.append(first);
        const resend = await store.append(
          aMessage(room, 2, { clientMessageId: 'c-1', content: 'hello again' }),
        );
        expect(resend).toEqual({ message: first, seq: 1, duplicate: true });
        expect(await store.listAfter(room, null, 10)).toEqual([first]);
      });

      it('treats the same client message id in another room as a different message', async () => {
        const other = `room-${randomUUID()}`;
        await store.append(aMessage(room, 1, { clientMessageId: 'c-1' }));
        expect((await store.append(aMessage(other, 2, { clientMessageId: 'c-1' }))).duplicate).toBe(false);
        expect(await store.listAfter(other, null, 10)).toHaveLength(1);
      });

      it('never deduplicates messages without a client message id', async () => {
        await appendAll([
          aMessage(room, 1, { clientMessageId: null, type: 'ENTER' }),
          aMessage(room, 2, { clientMessageId: null, type: 'ENTER' }),
        ]);
        expect(messageIds(await store.listAfter(room, null, 10))).toEqual([messageId(1), messageId(2)]);
      });

      it('stores concurrent resends once', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, index) =>
            store.append(aMessage(room, index + 1, { clientMessageId: 'c-same' })),
          ),
        );
        expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
        const stored = await store.listAfter(room, null, 20);
        expect(stored).toHaveLength(1);
        expect(results.every((result) => result.message.messageId === stored[0].messageId)).toBe(true);
      });
    });

    describe('order decided by the store', () => {
      it('gives each line of a room the next place, 1, 2, 3, … and each room its own count', async () => {
        const other = `room-${randomUUID()}`;
        const seqs = [];
        for (const [target, n] of [
          [room, 1],
          [other, 2],
          [room, 3],
          [room, 4],
        ] as const)
          seqs.push((await store.append(aMessage(target, n))).seq);
        expect(seqs).toEqual([1, 1, 2, 3]);
      });

      it("keeps a writer's id when it sorts after the room's last one, and otherwise gives the next id after it", async () => {
        const late = await store.append(aMessage(room, 50));
        expect(late.message.messageId).toBe(messageId(50));
        // A writer whose clock is behind: its id would sort before the line already stored.
        const behind = await store.append(aMessage(room, 10, { content: 'from a slow clock' }));
        expect(behind.message.messageId > late.message.messageId).toBe(true);
        expect(behind.message.messageId).toMatch(/^[0-9a-f]{26}$/);
        expect(behind.message.messageId.slice(18)).toBe(messageId(10).slice(18)); // the writer's own suffix
        expect((await store.latest(room))?.content).toBe('from a slow clock');
        expect(await store.has(room, behind.message.messageId)).toBe(true);
      });

      it('never gives a place or an id again, also after retention deleted every line of the room', async () => {
        const first = await store.append(aMessage(room, 5, { createdAt: new Date(t0) }));
        await store.purgeOlderThan(new Date(t0 + day));
        const next = await store.append(aMessage(room, 1, { createdAt: new Date(t0 + 2 * day) }));
        expect(next.seq).toBe(first.seq + 1);
        expect(next.message.messageId > first.message.messageId).toBe(true);
      });

      it('gives concurrent writers of one room distinct consecutive places, ids in the same order', async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) => store.append(aMessage(room, 100 - index))),
        );
        const bySeq = [...results].sort((a, b) => a.seq - b.seq);
        expect(bySeq.map((result) => result.seq)).toEqual(
          Array.from({ length: 20 }, (_, index) => index + 1),
        );
        const ids = bySeq.map((result) => result.message.messageId);
        expect(ids).toEqual([...ids].sort());
        expect(messageIds(await store.listAfter(room, null, 50))).toEqual(ids);
      });
    });

    describe('listAfter', () => {
      it('returns the messages after a cursor, oldest first, at most limit, of this room only', async () => {
        await appendAll([...numbered(room, 6), ...numbered(`room-${randomUUID()}`, 3, 7)]);
        expect(messageIds(await store.listAfter(room, null, 3))).toEqual([1, 2, 3].map(messageId));
        expect(messageIds(await store.listAfter(room, messageId(3), 10))).toEqual([4, 5, 6].map(messageId));
        expect(await store.listAfter(room, messageId(6), 10)).toEqual([]);
      });

      it('returns messages in the order they were stored, whatever ids their writers gave', async () => {
        await appendAll([aMessage(room, 3), aMessage(room, 1), aMessage(room, 2)]);
        const stored = await store.listAfter(room, null, 10);
        expect(contents(stored)).toEqual(['message number 3', 'message number 1', 'message number 2']);
        expect(messageIds(stored)).toEqual([...messageIds(stored)].sort());
      });
    });

    describe('listBefore', () => {
      it('pages back through the whole history exactly once', async () => {
        await appendAll(numbered(room, 25));
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await store.listBefore(room, cursor, 10);
          seen.push(...messageIds(page.items));
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor !== null);
        expect(pages).toBe(3);
        expect(seen).toEqual(Array.from({ length: 25 }, (_, index) => messageId(25 - index)));
      });

      it('says there is no older page when the last page is exactly full', async () => {
        await appendAll(numbered(room, 4));
        const first = await store.listBefore(room, null, 2);
        expect(first.nextCursor).toBe(messageId(3));
        const second = await store.listBefore(room, first.nextCursor, 2);
        expect(messageIds(second.items)).toEqual([messageId(2), messageId(1)]);
        expect(second.nextCursor).toBeNull();
      });

      it('returns an empty page for an empty room', async () => {
        expect(await store.listBefore(room, null, 12)).toEqual({ items: [], nextCursor: null });
      });
    });

    describe('countAfter', () => {
      it('counts messages after each read position, for many rooms at once', async () => {
        const [a, b, empty, unknown] = [
          room,
          `room-${randomUUID()}`,
          `room-${randomUUID()}`,
          `room-${randomUUID()}`,
        ];
        await appendAll([...numbered(a, 5), ...numbered(b, 3, 6)]);
        const counts = await store.countAfter([
          { roomId: a, afterMessageId: messageId(2) },
          { roomId: b, afterMessageId: null },
          { roomId: empty, afterMessageId: null },
          { roomId: unknown, afterMessageId: messageId(1) },
        ]);
        expect(counts).toEqual(
          new Map([
            [a, 3],
            [b, 3],
            [empty, 0],
            [unknown, 0],
          ]),
        );
        expect(await store.countAfter([{ roomId: a, afterMessageId: messageId(5) }])).toEqual(
          new Map([[a, 0]]),
        );
        expect(await store.countAfter([])).toEqual(new Map());
      });
    });

    describe('search', () => {
      const lines = [
        'rock and roll',
        'Café au lait',
        'hello world',
        'helloworld',
        'near the stage',
        'jazz tonight',
        'Rock the jazz',
      ];
      const seed = async (): Promise<void> => {
        await appendAll(lines.map((content, index) => aMessage(room, index + 1, { content })));
        await store.append(
          aMessage(`room-${randomUUID()}`, 100, { content: 'rock and roll in another room' }),
        );
      };
      const find = async (query: string, limit = 50): Promise<string[]> =>
        contents((await store.search(room, query, null, limit)).items);

      it('matches whole words, any case and accents, newest first', async () => {
        await seed();
        expect(await find('hello')).toEqual(['hello world']);
        expect(await find('ROCK')).toEqual(['Rock the jazz', 'rock and roll']);
        expect(await find('cafe')).toEqual(['Café au lait']);
      });

      it('needs every word to match', async () => {
        await seed();
        expect(await find('rock jazz')).toEqual(['Rock the jazz']);
        expect(await find('jazz missing')).toEqual([]);
      });

      it('treats a trailing * as a prefix', async () => {
        await seed();
        expect(await find('hel*')).toEqual(['helloworld', 'hello world']);
        expect(await find('jaz* ton*')).toEqual(['jazz tonight']);
      });

      it('pages newest first with a cursor', async () => {
        await appendAll(
          Array.from({ length: 5 }, (_, index) =>
            aMessage(room, index + 1, { content: `encore ${index + 1}` }),
          ),
        );
        const first = await store.search(room, 'encore', null, 2);
        expect(contents(first.items)).toEqual(['encore 5', 'encore 4']);
        const second = await store.search(room, 'encore', first.nextCursor, 2);
        expect(contents(second.items)).toEqual(['encore 3', 'encore 2']);
        const third = await store.search(room, 'encore', second.nextCursor, 2);
        expect(contents(third.items)).toEqual(['encore 1']);
        expect(third.nextCursor).toBeNull();
      });

      it('reads operators in user input as plain words', async () => {
        await seed();
        const cases: Array<[string, string[]]> = [
          ['"', []],
          ['*', []],
          ['', []],
          ['   ', []],
          ['-', []],
          ['NEAR(', ['near the stage']],
          ['AND', ['rock and roll']],
          ['rock OR jazz', []],
          ['rock NOT jazz', []],
          ['rock -roll', ['rock and roll']],
          ['"rock', ['Rock the jazz', 'rock and roll']],
          ['content:rock', []],
          ['(jazz)', ['Rock the jazz', 'jazz tonight']],
          ['^rock', ['Rock the jazz', 'rock and roll']],
          ['rock\u0000jazz', ['Rock the jazz']],
          ['🎵', []],
        ];
        for (const [query, expected] of cases)
          expect({ query, found: await find(query) }).toEqual({ query, found: expected });
      });

      it('answers any input with matches from this room or nothing, never an error', async () => {
        await seed();
        const operatorSoup = fc.string({
          unit: fc.constantFrom(
            '"',
            "'",
            '*',
            '(',
            ')',
            '-',
            '+',
            ':',
            '^',
            '{',
            '}',
            ' ',
            'AND',
            'OR',
            'NOT',
            'NEAR',
            'rock',
            'jazz',
            '\u0000',
            '\\',
          ),
        });
        await fc.assert(
          fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary' }), operatorSoup), async (query) => {
            const found = await find(query);
            expect(lines).toEqual(expect.arrayContaining(found));
          }),
          { numRuns: 150 },
        );
      });

      describe('Chinese, Japanese and Korean, and NFKC', () => {
        const cjkLines = [
          '我爱音乐',
          '東京タワーに行きました',
          '今日は東京 tower が見える',
          '음악을 좋아해요',
          '音。乐器', // 音 and 乐 in two words: not the word 音乐
          'ﬁne tuning', // the ﬁ ligature
          'Café au lait',
          'tokyo tower at night',
        ];
        const seedCjk = async (): Promise<void> => {
          await appendAll(cjkLines.map((content, index) => aMessage(room, index + 1, { content })));
        };

        it('finds a word inside a run of Chinese or Japanese characters, in order', async () => {
          await seedCjk();
          expect(await find('音乐')).toEqual(['我爱音乐']);
          expect(await find('爱音')).toEqual(['我爱音乐']);
          expect(await find('乐音')).toEqual([]);
          expect(await find('東京タワー')).toEqual(['東京タワーに行きました']);
          expect(await find('タワー')).toEqual(['東京タワーに行きました']);
          expect(await find('東京')).toEqual(['今日は東京 tower が見える', '東京タワーに行きました']);
        });

        it('finds a Korean word with a particle attached', async () => {
          await seedCjk();
          expect(await find('음악')).toEqual(['음악을 좋아해요']);
          expect(await find('좋아')).toEqual(['음악을 좋아해요']);
        });

        it('does not run a CJK word on into the next one', async () => {
          await seedCjk();
          expect(await find('音乐')).not.toContain('音。乐器');
          expect(await find('乐器')).toEqual(['音。乐器']);
          expect(await find('音')).toEqual(['音。乐器', '我爱音乐']);
        });

        it('searches a CJK prefix as the substring it already is, however short', async () => {
          await seedCjk();
          expect(await find('東京*')).toEqual(['今日は東京 tower が見える', '東京タワーに行きました']);
          expect(await find('音*')).toEqual(['音。乐器', '我爱音乐']);
        });

        it('needs every word of a mixed query: CJK and Latin', async () => {
          await seedCjk();
          expect(await find('東京 tower')).toEqual(['今日は東京 tower が見える']);
          expect(await find('東京 tow*')).toEqual(['今日は東京 tower が見える']);
          expect(await find('tower')).toEqual(['tokyo tower at night', '今日は東京 tower が見える']);
          expect(await find('東京 night')).toEqual([]);
        });

        it('finds Korean stored in NFD with an NFC query and the other way round', async () => {
          const nfd = '음악 감상'.normalize('NFD');
          const nfc = '노래 감상'.normalize('NFC');
          await appendAll([aMessage(room, 1, { content: nfd }), aMessage(room, 2, { content: nfc })]);
          expect(await find('음악'.normalize('NFC'))).toEqual([nfd]);
          expect(await find('노래'.normalize('NFD'))).toEqual([nfc]);
          expect(await find('감상'.normalize('NFD'))).toEqual([nfc, nfd]);
        });

        it('matches compatibility forms as their plain letters: ligatures, full-width', async () => {
          await seedCjk();
          await store.append(aMessage(room, 20, { content: 'ＴＯＫＹＯ ｆｉｎｅ' }));
          expect(await find('fine')).toEqual(['ＴＯＫＹＯ ｆｉｎｅ', 'ﬁne tuning']);
          expect(await find('ﬁne')).toEqual(['ＴＯＫＹＯ ｆｉｎｅ', 'ﬁne tuning']);
          expect(await find('tokyo')).toEqual(['ＴＯＫＹＯ ｆｉｎｅ', 'tokyo tower at night']);
        });

        it('still folds case and accents', async () => {
          await seedCjk();
          for (const query of ['cafe', 'café', 'CAFE', 'cafe\u0301', 'CAFÉ'])
            expect({ query, found: await find(query) }).toEqual({ query, found: ['Café au lait'] });
        });

        it('hands found lines back exactly as they were sent', async () => {
          const sent = ['ﬁne 音乐', '음악'.normalize('NFD'), 'ＴＯＫＹＯ タワー', 'ｶﾀｶﾅ'];
          await appendAll(sent.map((content, index) => aMessage(room, index + 1, { content })));
          expect(await find('音乐')).toEqual([sent[0]]);
          expect(await find('음악')).toEqual([sent[1]]);
          expect(await find('タワー')).toEqual([sent[2]]);
          expect(await find('カタカナ')).toEqual([sent[3]]);
          const history = contents((await store.listBefore(room, null, 10)).items);
          expect(history).toEqual([...sent].reverse());
        });
      });

      it('no longer finds purged messages', async () => {
        await store.append(aMessage(room, 1, { content: 'old groove', createdAt: new Date(t0) }));
        await store.append(aMessage(room, 2, { content: 'new groove', createdAt: new Date(t0 + 10 * day) }));
        await store.purgeOlderThan(new Date(t0 + day));
        expect(await find('groove')).toEqual(['new groove']);
      });
    });

    describe('purgeOlderThan', () => {
      it('deletes messages created before the cutoff in every room and says how many', async () => {
        const other = `room-${randomUUID()}`;
        await appendAll([
          aMessage(room, 1, { createdAt: new Date(t0) }),
          aMessage(other, 2, { createdAt: new Date(t0 + day) }),
          aMessage(room, 3, { createdAt: new Date(t0 + 2 * day) }),
          aMessage(other, 4, { createdAt: new Date(t0 + 3 * day) }),
        ]);
        expect(await store.purgeOlderThan(new Date(t0 + 2 * day))).toBe(2);
        expect(messageIds(await store.listAfter(room, null, 10))).toEqual([messageId(3)]);
        expect(messageIds(await store.listAfter(other, null, 10))).toEqual([messageId(4)]);
        expect(await store.purgeOlderThan(new Date(t0 + 2 * day))).toBe(0);
      });
    });

    describe('latest', () => {
      it('returns the newest message of the room, or null when it has none', async () => {
        expect(await store.latest(room)).toBeNull();
        await appendAll([aMessage(room, 1), aMessage(room, 2), aMessage(`room-${randomUUID()}`, 9)]);
        expect((await store.latest(room))?.messageId).toBe(messageId(2));
      });
    });

    describe('position', () => {
      it("says where the room's order stands: nothing yet, then the last place, kept past retention", async () => {
        expect(await store.position(room)).toEqual({ seq: 0, messageId: null });
        await appendAll([
          aMessage(room, 1, { createdAt: new Date(t0) }),
          aMessage(room, 2, { createdAt: new Date(t0) }),
          aMessage(`room-${randomUUID()}`, 9),
        ]);
        expect(await store.position(room)).toEqual({ seq: 2, messageId: messageId(2) });
        await store.purgeOlderThan(new Date(t0 + day));
        expect(await store.position(room)).toEqual({ seq: 2, messageId: messageId(2) });
      });
    });

    describe('byClientMessageId', () => {
      it("finds a room's line by its client id, and nothing in another room or under another id", async () => {
        const roomId = randomUUID();
        const line = aMessage(roomId, 1, { clientMessageId: 'resent-1' });
        await store.append(line);
        expect(await store.byClientMessageId(roomId, 'resent-1')).toMatchObject({
          messageId: line.messageId,
          clientMessageId: 'resent-1',
          content: line.content,
        });
        expect(await store.byClientMessageId(randomUUID(), 'resent-1')).toBeNull();
        expect(await store.byClientMessageId(roomId, 'resent-2')).toBeNull();
      });
    });

    describe('has', () => {
      it('knows the messages of the room, and no id of another room or none at all', async () => {
        const other = `room-${randomUUID()}`;
        await appendAll([aMessage(room, 1), aMessage(other, 2)]);
        expect(await store.has(room, messageId(1))).toBe(true);
        expect(await store.has(room, messageId(2))).toBe(false);
        expect(await store.has(room, messageId(3))).toBe(false);
      });
    });

    describe('restart', () => {
      it('keeps messages, search and resend detection across close and reopen', async () => {
        const written = await appendAll([
          aMessage(room, 1, { clientMessageId: 'c-1', content: 'before the restart' }),
          aMessage(room, 2),
        ]);
        await store.close();

        const reopened = await open();
        expect(await reopened.listAfter(room, null, 10)).toEqual(written);
        expect(contents((await reopened.search(room, 'restart', null, 10)).items)).toEqual([
          'before the restart',
        ]);
        expect(await reopened.append(aMessage(room, 3, { clientMessageId: 'c-1' }))).toEqual({
          message: written[0],
          seq: 1,
          duplicate: true,
        });
        expect((await reopened.append(aMessage(room, 4))).seq).toBe(3);
      });
    });
  });
}
