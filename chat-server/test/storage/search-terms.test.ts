import fc from 'fast-check';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import {
  maxPrefixTerms,
  maxSearchTerms,
  minPrefixLength,
  parseSearchTerms,
  searchWords,
  toFts5Query,
} from '../../src/message-store/search-terms';

describe('search terms', () => {
  it('cut input into words, a trailing * marking a prefix', () => {
    expect(parseSearchTerms('  hello   wor*  ')).toEqual([
      { text: 'hello', prefix: false },
      { text: 'wor', prefix: true },
    ]);
  });

  it('drop words that hold no letter or digit', () => {
    expect(parseSearchTerms('" * - ( ) 🎵 ++')).toEqual([]);
    expect(toFts5Query([])).toBeNull();
  });

  it('quote every word so FTS5 operators stay plain text', () => {
    expect(toFts5Query(parseSearchTerms('NEAR(a b) OR "xy* -y col:z'))).toBe(
      '"NEAR(a" "b)" "OR" """xy"* "-y" "col:z"',
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

  it('restrict the match to the room inside the index when given one', () => {
    expect(toFts5Query(parseSearchTerms('hello wor*'), '3f2a9c1e-0b4d-4e8f-9a7b-5c6d7e8f9a0b')).toBe(
      'room_token : "3f2a9c1e0b4d4e8f9a7b5c6d7e8f9a0b" AND content : ("hello" "wor"*)',
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
        const query = toFts5Query(parseSearchTerms(input));
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
      '日本語',
    ]);
  });
});
