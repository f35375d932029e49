// The words SQLite's search index holds (schema 13), shared by the migration that rebuilt the
// index, the store that feeds it and the query that reads it: all three must make the same words.
import { createHash } from 'node:crypto';
import { searchTokens } from '@playlist-chat/platform';

/**
 * A room's key in the search index: 40 bits of the SHA-1 of its id, as 8 base-32 digits
 * (`0-9a-v`). Lower-case ASCII letters and digits, which the tokenizer keeps as they are, and one
 * length for every room, so that no key followed by a word reads as another key followed by
 * another word. Two rooms may share a key (about one pair in a million rooms): the search also
 * compares the room id itself, so that only costs time.
 */
export function roomSearchKey(roomId: string): string {
  return createHash('sha1').update(roomId).digest().readUIntBE(0, 5).toString(32).padStart(8, '0');
}

/**
 * The tokens of `text` (`searchTokens`: NFKC, each CJK character a token, lower case, accents
 * removed) each glued to `key`, separated by spaces: what the index holds for a line, and what
 * a query looks for. With the room in every word, a word's list of lines in the index is that
 * room's alone, so a search reads only its own room's matches, not every room's, whatever the
 * number of index segments (docs/performance.md).
 */
export function keyedSearchWords(key: string, text: string): string {
  return searchTokens(text)
    .map((token) => key + token)
    .join(' ');
}

/** What the index holds for a line of `roomId` with `content` (schema 13). */
export const indexedSearchWords = (roomId: string, content: string): string =>
  keyedSearchWords(roomSearchKey(roomId), content);
