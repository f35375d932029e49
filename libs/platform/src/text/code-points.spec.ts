import { describe, expect, it } from 'vitest';
import { codePointLength, firstCodePoints } from './code-points';

const samples = [
  '',
  'hello',
  '🎵 on repeat 🎶',
  'e\u0301', // e + combining accent: two code points
  '\ud83c', // a lone high surrogate
  '\udfb5x', // a lone low surrogate first
  'a\ud83c\ud83c\udfb5', // high, then a whole pair
  '👍🏽 family: 👨‍👩‍👧',
];

/** Random strings of UTF-16 units, surrogates (paired or not) well represented. */
function randomText(length: number): string {
  const units: number[] = [];
  for (let i = 0; i < length; i++) {
    const pick = Math.random();
    units.push(
      pick < 0.3
        ? 0xd800 + Math.floor(Math.random() * 0x400)
        : pick < 0.6
          ? 0xdc00 + Math.floor(Math.random() * 0x400)
          : Math.floor(Math.random() * 0x3000),
    );
  }
  return String.fromCharCode(...units);
}

describe('code points', () => {
  it('counts what the spread counts', () => {
    for (const text of samples) expect(codePointLength(text), JSON.stringify(text)).toBe([...text].length);
    for (let n = 0; n < 2_000; n++) {
      const text = randomText(n % 40);
      expect(codePointLength(text)).toBe([...text].length);
    }
  });

  it('cuts where the spread cuts, never inside a surrogate pair', () => {
    for (const text of samples)
      for (let max = 0; max <= text.length + 1; max++)
        expect(firstCodePoints(text, max)).toBe([...text].slice(0, max).join(''));
    for (let n = 0; n < 2_000; n++) {
      const text = randomText(n % 40);
      const max = n % 25;
      expect(firstCodePoints(text, max)).toBe([...text].slice(0, max).join(''));
    }
  });
});
