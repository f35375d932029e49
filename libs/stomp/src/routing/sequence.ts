const DIGITS = /^[0-9]+$/;

/**
 * Orders `sequence` values of messages: as numbers when both are decimal digit strings
 * (so "10" > "9"), otherwise by code unit order (fixed-width or time-ordered ids such as
 * ULIDs sort correctly that way). Negative when `a` comes first.
 */
export function compareSequence(a: string, b: string): number {
  if (DIGITS.test(a) && DIGITS.test(b)) {
    const x = a.replace(/^0+(?=.)/, '');
    const y = b.replace(/^0+(?=.)/, '');
    if (x.length !== y.length) return x.length - y.length;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
