/**
 * Keyword search input, made safe. Users type free text; the engines have query languages
 * (FTS5's `AND`/`OR`/`NEAR(...)`/`-col:`, MongoDB's `-negation`/`"phrases"`). User text is
 * never passed through as query syntax: it is cut into words, each word becomes a quoted
 * literal, and a trailing `*` on a word is the only operator we honour (prefix match).
 */
import { codePointLength, searchBoundary, textAfterLastCjk } from '@playlist-chat/platform';
import { keyedSearchWords, roomSearchKey } from '../storage/search-index-words';

export interface SearchTerm {
  /** The word as typed, NFKC-normalised, without the trailing `*`s. */
  readonly text: string;
  /** True when the word ended with `*`: match tokens starting with it. */
  readonly prefix: boolean;
}

/**
 * At most this many words, to bound the work one query can ask for. A longer query is refused
 * (ChatService.search): dropping a word would widen what it finds.
 */
export const maxSearchTerms = 16;

/**
 * A prefix (`abc*`) must be at least this long: a shorter one names most of the index, so it is
 * searched as the whole word instead.
 */
export const minPrefixLength = 3;

/** At most this many prefix terms per query (each may expand to many words); later ones count as whole words. */
export const maxPrefixTerms = 2;

// Tokens of SQLite's unicode61 tokenizer are made of letters, numbers and private-use characters;
// a word without any of those can never match anything, so it is dropped rather than sent.
const tokenCharacter = /[\p{L}\p{N}\p{Co}]/u;
// NUL ends an FTS5 string early and control characters have no business in a query.
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f]/g;

/**
 * Splits `input` into search terms; an empty result means "nothing can match". Each word the user
 * typed (split at white space) is one term, NFKC-normalised (`searchText`), however many index
 * tokens it becomes, so the limits count what was typed. Repeated words count once; prefixes
 * shorter than `minPrefixLength`, and those beyond `maxPrefixTerms`, are searched as whole words,
 * so no query costs more than a few index lookups. A word ending in CJK is a substring match
 * already: its `*` is dropped. Stops at `limit` terms.
 */
export function parseSearchTerms(input: string, limit = maxSearchTerms): SearchTerm[] {
  const terms: SearchTerm[] = [];
  const seen = new Set<string>();
  let prefixes = 0;
  for (const word of input.replace(controlCharacters, ' ').split(/\s+/u)) {
    const normal = word.normalize('NFKC').replaceAll(searchBoundary, ' ');
    const text = normal.replace(/\*+$/u, '');
    if (!tokenCharacter.test(text)) continue;
    const prefix =
      text.length < normal.length &&
      codePointLength(prefixPart(text)) >= minPrefixLength &&
      prefixes < maxPrefixTerms;
    const key = `${prefix ? '*' : ' '}${text.toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (prefix) prefixes += 1;
    terms.push({ text, prefix });
    if (terms.length === limit) break;
  }
  return terms;
}

/** What a trailing `*` extends: the whole word, or in a word with CJK what follows its last CJK character. */
function prefixPart(text: string): string {
  const tail = textAfterLastCjk(text);
  if (tail === text) return text;
  // A mark after the last CJK character belongs to it; the tail must end in a letter or digit.
  return tokenCharacter.test(tail.at(-1) ?? '') ? tail.replace(/^\p{M}+/u, '') : '';
}

/**
 * An FTS5 MATCH expression that finds the lines of `roomId` containing every term: each term is
 * the phrase of its tokens glued to the room's key (`keyedSearchWords`, as the index holds them,
 * schema 13), quoted (so `AND`, `NEAR(`, `-`, `:` are plain text), with `*` after the quotes for a
 * prefix term. Returns null when there is nothing to search for, or a term has no token (it
 * could never match).
 */
export function toFts5Query(terms: readonly SearchTerm[], roomId: string): string | null {
  if (terms.length === 0) return null;
  const key = roomSearchKey(roomId);
  const phrases: string[] = [];
  for (const term of terms) {
    const words = keyedSearchWords(key, term.text);
    if (words === '') return null;
    phrases.push(`${quoted(words)}${term.prefix ? '*' : ''}`);
  }
  return phrases.join(' ');
}

const quoted = (text: string): string => `"${text.replaceAll('"', '""')}"`;
