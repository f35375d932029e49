import { describe, expect, it } from 'vitest';
import { RecentMap } from './recent-map';

describe('RecentMap', () => {
  it('keeps at most its capacity, dropping the least recently set key', () => {
    const map = new RecentMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3); // a is now the most recent
    map.set('c', 4);
    expect([map.get('a'), map.get('b'), map.get('c'), map.size]).toEqual([3, undefined, 4, 2]);
  });

  it('holds nothing with capacity 0, and deletes on demand', () => {
    const none = new RecentMap<string, number>(0);
    none.set('a', 1);
    expect(none.size).toBe(0);
    const map = new RecentMap<string, number>(3);
    map.set('a', 1);
    expect(map.delete('a')).toBe(true);
    expect(map.get('a')).toBeUndefined();
  });
});
