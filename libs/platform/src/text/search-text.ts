// The search form of chat text: what a search index reads instead of the text as shown
// (chat-server's SQLite index and its MongoDB words), so that a word is found inside Chinese,
// Japanese or Korean text and NFC, NFD and compatibility forms match.

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
export const searchBoundary = '\u{F0000}';

/**
 * The text the search index reads for `text`: NFKC-normalised (`ﬁ` is `fi`, full-width `Ａ` is
 * `A`, NFD Hangul is composed), and, when it holds CJK, each CJK character a token of its own
 * (between spaces) and `searchBoundary` between words next to CJK. Plain ASCII comes back as it is
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
  for (const [word] of normal.replaceAll(searchBoundary, ' ').matchAll(wordPattern)) {
    const cjk = cjkCharacter.test(word);
    if (parts.length > 0) parts.push(cjk || cjkBefore ? ` ${searchBoundary} ` : ' ');
    parts.push(cjk ? word.replace(cjkWithMarks, ' $& ').trim().replace(/ +/gu, ' ') : word);
    cjkBefore = cjk;
  }
  return parts.join('');
}

/**
 * What SQLite stored in `messages.search_text` for a line (schema 12; schema 13 computes the
 * index's words from the content instead): `searchText(content)`, or null when that is the
 * content itself. Kept for schema 12's migration, which a file older than it still runs.
 */
export function storedSearchText(content: string): string | null {
  const text = searchText(content);
  return text === content ? null : text;
}

/**
 * The tokens of `searchText(text)` as SQLite's `unicode61 remove_diacritics 2` tokenizer sees
 * them, `searchBoundary` included: lower case, accents removed, split at anything that is not a letter,
 * digit or private-use character. CJK characters keep their form (NFD would take Hangul
 * syllables apart and the voicing mark off `が`). Both engines index these: MongoDB as they are,
 * SQLite each glued to its room's key (schema 13), so both find the same lines.
 */
export function searchTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const piece of searchText(text).split(' ')) {
    if (piece === searchBoundary || cjkCharacter.test(piece)) {
      // A CJK character stands alone in `searchText`; the tokenizer drops the marks after it.
      const token = piece === searchBoundary ? piece : piece.replace(/\p{M}+/gu, '');
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

/** The words of `text` for a MongoDB `words` index: `searchTokens` without `searchBoundary`. */
export function searchWords(text: string): string[] {
  return searchTokens(text).filter((token) => token !== searchBoundary);
}

/** Whether `text` holds a CJK character (after NFKC): its terms are matched as phrases. */
export function hasCjk(text: string): boolean {
  return nonAscii.test(text) && cjkCharacter.test(text.normalize('NFKC'));
}

/** What follows the last CJK character of `text` (all of it when it has none): what a trailing `*` extends. */
export function textAfterLastCjk(text: string): string {
  if (!cjkCharacter.test(text)) return text;
  return text.split(cjkCharacterAll).at(-1) ?? '';
}
