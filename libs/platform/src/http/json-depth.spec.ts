import { describe, expect, it } from 'vitest';
import { nestedDeeperThan } from './json-depth';

const nested = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { child: value };
  return value;
};

describe('nestedDeeperThan', () => {
  it('counts objects and arrays, not scalars', () => {
    expect(nestedDeeperThan('text', 0)).toBe(false);
    expect(nestedDeeperThan(nested(32), 32)).toBe(false);
    expect(nestedDeeperThan(nested(33), 32)).toBe(true);
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(nestedDeeperThan(nested(100_000), 32)).toBe(true);
  });
});
