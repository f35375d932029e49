import { describe, expect, it } from 'vitest';
import { MAX_ORIGIN_LENGTH, OriginPolicy } from './origin-policy';

describe('OriginPolicy', () => {
  const policy = new OriginPolicy(['https://chat.example.com/']);

  it('allows listed Origins whatever their case and trailing slashes, and clients without one', () => {
    expect(policy.allows('HTTPS://Chat.Example.com//')).toBe(true);
    expect(policy.allows(undefined)).toBe(true);
    expect(policy.allows('https://evil.example.com')).toBe(false);
  });

  it(`refuses an Origin longer than ${MAX_ORIGIN_LENGTH} characters, checked before any work on it`, () => {
    expect(policy.allows(`https://chat.example.com${'/'.repeat(100_000)}`)).toBe(false);
  });

  it('allows anything with "*"', () => {
    expect(new OriginPolicy(['*']).allows('https://anything.example')).toBe(true);
  });
});
