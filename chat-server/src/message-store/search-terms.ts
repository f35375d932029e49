/**
 * Keyword search input, made safe. Users type free text; the engines have query languages
 * (FTS5's `AND`/`OR`/`NEAR(...)`/`-col:`, MongoDB's `-negation`/`"phrases"`). User text is
 * never passed through as query syntax: it is cut into words, each word becomes a quoted
 * literal, and a trailing `*` on a word is the only operator we honour (prefix match).
 */
import { codePointLength } from '@playlist-chat/platform';

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
    const normal = word.normalize('NFKC').replaceAll(boundary, ' ');
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
  if (!cjkCharacter.test(text)) return text;
  const tail = text.split(cjkCharacterAll).at(-1) ?? '';
  // A mark after the last CJK character belongs to it; the tail must end in a letter or digit.
  return tokenCharacter.test(tail.at(-1) ?? '') ? tail.replace(/^\p{M}+/u, '') : '';
}

/**
 * An FTS5 MATCH expression that finds rows containing every term: each term is a quoted string
 * (so `AND`, `NEAR(`, `-`, `:` are plain text), with `*` after the quotes for a prefix term.
 * Returns null when there is nothing to search for.
 */
export function toFts5Query(terms: readonly SearchTerm[], roomId?: string): string | null {
  if (terms.length === 0) return null;
  // A term is a phrase of the tokens `searchText` makes of it: a CJK run must appear in order.
  const words = terms.map((term) => `${quoted(searchText(term.text))}${term.prefix ? '*' : ''}`).join(' ');
  // Column filters keep the words to the text and the room to its own column.
  return roomId === undefined
    ? words
    : `room_token : ${quoted(roomSearchToken(roomId))} AND content : (${words})`;
}

/**
 * The word SQLite's search index holds for a room: its id without dashes, so a UUID is one word
 * to look up, not a five-word phrase. Must equal the index's `replace(room_id, '-', '')`
 * (migration 10). Two ids that differ only in their dashes share a word: the search also
 * compares the room id itself.
 */
export const roomSearchToken = (roomId: string): string => roomId.replaceAll('-', '');

const quoted = (text: string): string => `"${text.replaceAll('"', '""')}"`;

/**
 * CJK letters and digits: Script_Extensions Han, Hiragana, Katakana or Hangul, and a letter or a
 * number. These scripts are written without spaces between words (Chinese, Japanese), or with
 * particles joined to the word (Korean `음악을`), so a word is found inside a run of them:
 * each one is a token of its own (`searchText`) and a query's run is a phrase of them.
 * Script_Extensions, not Script, so that the kana length mark `ー` (U+30FC), the kana iteration
 * marks (U+3031-3035) and `〆` count; letter-or-number, so that CJK punctuation (`、。「」`,
 * which share those scripts) stays a separator. Hangul counts syllables and jamo alike: NFKC
 * makes compatibility jamo (`ㅋ`) conjoining jamo and composes jamo into syllables where it can.
 * Not included: Thai, Lao, Khmer, Myanmar (also unspaced, but SQLite's tokenizer cuts their
 * words at vowel signs, so single characters would not say much), Bopomofo, Yi.
 */
const cjkClass = '[[\\p{scx=Han}\\p{scx=Hiragana}\\p{scx=Katakana}\\p{scx=Hangul}]&&[\\p{L}\\p{N}]]';
// Built at run time: TypeScript's target (ES2023) does not accept the `v` flag in a literal.
const cjkCharacter = new RegExp(cjkClass, 'v');
const cjkCharacterAll = new RegExp(cjkClass, 'gv');
/** A CJK character with the marks that follow it (a kana voicing mark NFKC could not compose). */
const cjkWithMarks = new RegExp(`${cjkClass}\\p{M}*`, 'gv');
/** A run of token characters, marks included: what the tokenizer reads as one word, or close to it. */
const wordPattern = /[\p{L}\p{N}\p{Co}\p{M}]+/gu;
// eslint-disable-next-line no-control-regex
const nonAscii = /[^\u0000-\u007f]/u;

/**
 * A private-use character (a token to SQLite's tokenizer) put between two words when either holds
 * CJK, so that a CJK phrase never runs from one word into the next (`音乐` does not find `音。乐`)
 * while each CJK character is a token of its own. User text has it replaced by a space.
 */
export const boundary = '\u{F0000}';

/**
 * The text the search index reads for `text`: NFKC-normalised (`ﬁ` is `fi`, full-width `Ａ` is
 * `A`, NFD Hangul is composed), and, when it holds CJK, each CJK character a token of its own
 * (between spaces) and `boundary` between words next to CJK. Plain ASCII comes back as it is
 * (NFKC does not change it). Never shown: the stored line keeps its content as sent. Case and
 * accents are left to the tokenizer (`unicode61 remove_diacritics 2`), as before: NFKC only
 * composes, and the tokenizer folds `é` and `e\u0301` alike.
 */
export function searchText(text: string): string {
  if (!nonAscii.test(text)) return text;
  const normal = text.normalize('NFKC');
  if (!cjkCharacter.test(normal)) return normal;
  const parts: string[] = [];
  let cjkBefore = false;
  for (const [word] of normal.replaceAll(boundary, ' ').matchAll(wordPattern)) {
    const cjk = cjkCharacter.test(word);
    if (parts.length > 0) parts.push(cjk || cjkBefore ? ` ${boundary} ` : ' ');
    parts.push(cjk ? word.replace(cjkWithMarks, ' $& ').trim().replace(/ +/gu, ' ') : word);
    cjkBefore = cjk;
  }
  return parts.join('');
}

/**
 * What SQLite stores in `messages.search_text` for a line: `searchText(content)`, or null when
 * that is the content itself (the index then reads the content; most lines).
 */
export function storedSearchText(content: string): string | null {
  const text = searchText(content);
  return text === content ? null : text;
}

/**
 * The tokens of `searchText(text)` as SQLite's `unicode61 remove_diacritics 2` tokenizer sees
 * them, `boundary` included: lower case, accents removed, split at anything that is not a letter,
 * digit or private-use character. CJK characters keep their form (NFD would take Hangul
 * syllables apart and the voicing mark off `が`). Engines without such a tokenizer (MongoDB)
 * index these instead.
 */
export function searchTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const piece of searchText(text).split(' ')) {
    if (piece === boundary || cjkCharacter.test(piece)) {
      // A CJK character stands alone in `searchText`; the tokenizer drops the marks after it.
      const token = piece === boundary ? piece : piece.replace(/\p{M}+/gu, '');
      if (token.length > 0) tokens.push(token);
      continue;
    }
    for (const word of piece
      .normalize('NFD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .split(/[^\p{L}\p{N}\p{Co}]+/u))
      if (word.length > 0) tokens.push(word);
  }
  return tokens;
}

/** The words of `text` for a MongoDB `words` index: `searchTokens` without `boundary`. */
export function searchWords(text: string): string[] {
  return searchTokens(text).filter((token) => token !== boundary);
}

/** Whether `text` holds a CJK character (after NFKC): its terms are matched as phrases. */
export function hasCjk(text: string): boolean {
  return nonAscii.test(text) && cjkCharacter.test(text.normalize('NFKC'));
}
