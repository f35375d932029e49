/*
 * Chat text is measured in code points (what `[...text]` counts: an emoji is one, a lone
 * surrogate is one), without spreading the text into an array of one-character strings on every
 * SEND: 16 KB and 15 µs for a 2,000-character line (docs/performance.md, "What a chat line
 * allocates").
 */

/** Why text with an unpaired surrogate is refused, wherever it comes in (a body, a token's claims). */
export const UNPAIRED_SURROGATE = 'must be well-formed Unicode (it holds an unpaired surrogate)';

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/**
 * Walks `text` one code point at a time (a surrogate pair is one step, a lone surrogate too), at
 * most `max` steps: how many it took and the UTF-16 index where it stopped.
 */
function walk(text: string, max: number): { count: number; end: number } {
  let count = 0;
  let end = 0;
  for (; end < text.length && count < max; end++, count++) {
    if (isHighSurrogate(text.charCodeAt(end)) && isLowSurrogate(text.charCodeAt(end + 1))) end++;
  }
  return { count, end };
}

/** `[...text].length`. UTF-16 length is an upper bound, so a caller comparing with a limit can skip this when `text.length` is within it. */
export function codePointLength(text: string): number {
  return walk(text, Infinity).count;
}

/** `[...text].slice(0, max).join('')`: the first `max` code points, never half a surrogate pair. */
export function firstCodePoints(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, walk(text, max).end);
}
