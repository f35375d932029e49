import fc from 'fast-check';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import {
  searchBoundary as boundary,
  searchText,
  searchTokens,
  searchWords,
  storedSearchText,
} from '@playlist-chat/platform';
import {
  maxPrefixTerms,
  maxSearchTerms,
  minPrefixLength,
  parseSearchTerms,
  toFts5Query,
} from '../../src/message-store/search-terms';
import { roomSearchKey } from '../../src/storage/search-index-words';

const room = '3f2a9c1e-0b4d-4e8f-9a7b-5c6d7e8f9a0b';
/** Each word of `phrase` glued to `room`'s key, as the index holds them. */
const keyed = (phrase: string) =>
  phrase
    .split(' ')
    .map((word) => roomSearchKey(room) + word)
    .join(' ');

describe('search terms', () => {
  it('cut input into words, a trailing * marking a prefix', () => {
    expect(parseSearchTerms('  hello   wor*  ')).toEqual([
      { text: 'hello', prefix: false },
      { text: 'wor', prefix: true },
    ]);
  });

  it('drop words that hold no letter or digit', () => {
    expect(parseSearchTerms('" * - ( ) 🎵 ++')).toEqual([]);
    expect(toFts5Query([], room)).toBeNull();
  });

  it('quote every word, made of the tokens the index holds, so FTS5 operators stay plain text', () => {
    expect(toFts5Query(parseSearchTerms('NEAR(a b) OR "xy* -y col:z'), room)).toBe(
      [
        `"${keyed('near a')}"`,
        `"${keyed('b')}"`,
        `"${keyed('or')}"`,
        `"${keyed('xy')}"*`,
        `"${keyed('y')}"`,
        `"${keyed('col z')}"`,
      ].join(' '),
    );
  });

  it('count a repeated word once, so sixteen copies of one prefix cost one lookup', () => {
    expect(parseSearchTerms(Array.from({ length: 16 }, () => 'abc*').join(' '))).toEqual([
      { text: 'abc', prefix: true },
    ]);
    expect(parseSearchTerms('Jazz jazz JAZZ')).toEqual([{ text: 'Jazz', prefix: false }]);
  });

  it(`search a prefix shorter than ${minPrefixLength} characters as the whole word`, () => {
    expect(parseSearchTerms('a* ab* abc*')).toEqual([
      { text: 'a', prefix: false },
      { text: 'ab', prefix: false },
      { text: 'abc', prefix: true },
    ]);
  });

  it(`take at most ${maxPrefixTerms} prefix terms; later ones are whole words`, () => {
    expect(parseSearchTerms('one* two* six* ten*').map((term) => term.prefix)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it("ask for the words glued to the room's key, as the index holds them (schema 13)", () => {
    expect(roomSearchKey(room)).toMatch(/^[0-9a-v]{8}$/);
    expect(toFts5Query(parseSearchTerms('Hello wor*'), room)).toBe(`"${keyed('hello')}" "${keyed('wor')}"*`);
    expect(toFts5Query(parseSearchTerms('hello'), 'another-room')).not.toBe(
      toFts5Query(parseSearchTerms('hello'), room),
    );
  });

  it(`keep at most ${maxSearchTerms} words`, () => {
    expect(parseSearchTerms(Array.from({ length: 40 }, (_, index) => `w${index}`).join(' '))).toHaveLength(
      maxSearchTerms,
    );
  });

  it('turn any input into a query SQLite FTS5 accepts', () => {
    const db = new DatabaseSync(':memory:');
    db.exec("CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'unicode61 remove_diacritics 2')");
    db.exec("INSERT INTO t (x) VALUES ('rock and roll'), ('near the stage')");
    const match = db.prepare('SELECT x FROM t WHERE t MATCH ?');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (input) => {
        const query = toFts5Query(parseSearchTerms(input), room);
        if (query !== null) match.all(query);
      }),
      { numRuns: 500 },
    );
    db.close();
  });

  it('normalise words like the unicode61 tokenizer: lower case, no accents, split at punctuation', () => {
    expect(searchWords("Café au LAIT, don't-stop! naïve 日本語 🎵")).toEqual([
      'cafe',
      'au',
      'lait',
      'don',
      't',
      'stop',
      'naive',
      '日',
      '本',
      '語',
    ]);
  });

  describe('CJK and NFKC', () => {
    it('make each CJK character a token, and mark the edge of a word next to CJK', () => {
      expect(searchText('我爱音乐')).toBe('我 爱 音 乐');
      expect(searchText('東京タワーに行きました')).toBe('東 京 タ ワ ー に 行 き ま し た');
      expect(searchText('음악을 좋아해요')).toBe(`음 악 을 ${boundary} 좋 아 해 요`);
      expect(searchText('K팝, tokyo東京')).toBe(`K 팝 ${boundary} tokyo 東 京`);
      expect(searchText('2024年')).toBe('2024 年');
      // Words without CJK keep their separators: Latin phrases match as before.
      expect(searchText("rock'n'roll, e-mail")).toBe("rock'n'roll, e-mail");
    });

    it('normalise to NFKC and leave plain ASCII as it is', () => {
      expect(searchText('ﬁne')).toBe('fine');
      expect(searchText('ＴＯＫＹＯ')).toBe('TOKYO');
      expect(searchText('ｶﾀｶﾅ')).toBe('カ タ カ ナ');
      expect(searchText('음악'.normalize('NFD'))).toBe('음 악');
      expect(searchText('cafe\u0301')).toBe('café');
      const ascii = 'hello, world: NEAR("x") *';
      expect(searchText(ascii)).toBe(ascii);
      expect(storedSearchText(ascii)).toBeNull();
      expect(storedSearchText('Café au lait')).toBeNull();
      expect(storedSearchText('我爱音乐')).toBe('我 爱 音 乐');
    });

    it('keep the kana voicing mark and Hangul syllables whole in MongoDB words', () => {
      expect(searchWords('がっこう')).toEqual(['が', 'っ', 'こ', 'う']);
      expect(searchWords('음악을'.normalize('NFD'))).toEqual(['음', '악', '을']);
      expect(searchTokens('音。乐')).toEqual(['音', boundary, '乐']);
    });

    it('search a CJK word as a phrase of its characters, one term however many characters', () => {
      expect(parseSearchTerms('音乐 東京タワー')).toEqual([
        { text: '音乐', prefix: false },
        { text: '東京タワー', prefix: false },
      ]);
      expect(toFts5Query(parseSearchTerms('音乐 tower'), room)).toBe(
        `"${keyed('音 乐')}" "${keyed('tower')}"`,
      );
    });

    it('drop the * after CJK: the word is a substring match already', () => {
      expect(parseSearchTerms('東京* 音*')).toEqual([
        { text: '東京', prefix: false },
        { text: '音', prefix: false },
      ]);
      expect(toFts5Query(parseSearchTerms('東京tow* 東京to*'), room)).toBe(
        `"${keyed('東 京 tow')}"* "${keyed('東 京 to')}"`,
      );
    });

    it('normalise the query to NFKC, counting the words as typed', () => {
      expect(parseSearchTerms('ﬁne ＡＢＣ＊')).toEqual([
        { text: 'fine', prefix: false },
        { text: 'ABC', prefix: true },
      ]);
      expect(parseSearchTerms('ﬁne fine')).toHaveLength(1);
      // NFKC turns ⑴ into (1) and ¨ into a space and a mark: still one word each, as typed.
      expect(parseSearchTerms('a⑴ b¨c')).toHaveLength(2);
      const cjkWords = Array.from({ length: maxSearchTerms }, (_, index) => `東京${index}`);
      expect(parseSearchTerms(cjkWords.join(' '), maxSearchTerms + 1)).toHaveLength(maxSearchTerms);
    });

    it('turn CJK and compatibility input into a query SQLite FTS5 accepts', () => {
      const db = new DatabaseSync(':memory:');
      db.exec("CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'unicode61 remove_diacritics 2')");
      db.exec(`INSERT INTO t (x) VALUES ('${searchText('我爱音乐 東京')}')`);
      const match = db.prepare('SELECT x FROM t WHERE t MATCH ?');
      const unit = fc.constantFrom(
        '音',
        '乐',
        'タ',
        'ー',
        '음',
        'ᄏ',
        '\u3099',
        'ﬁ',
        'Ａ',
        '＊',
        '*',
        '"',
        ' ',
        '、',
        boundary,
        'a',
      );
      fc.assert(
        fc.property(fc.string({ unit }), (input) => {
          const query = toFts5Query(parseSearchTerms(input), room);
          if (query !== null) match.all(query);
        }),
        { numRuns: 500 },
      );
      db.close();
    });
  });
});
