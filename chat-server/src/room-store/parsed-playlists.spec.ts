import { describe, expect, it } from 'vitest';
import { ParsedPlaylists, PLAYLIST_MAKES_WAY_AFTER_MS } from './parsed-playlists';

/** Stored JSON of about `kib` KiB: one track whose title fills it. */
const storedOfKib = (kib: number, name = 'p') =>
  JSON.stringify({
    id: name,
    name,
    musics: [{ title: 'x'.repeat(kib * 1024 - 100), artist: 'a', playtime: '3:00', thumbnail: 't' }],
  });

describe('ParsedPlaylists', () => {
  let clock = 0;
  const cache = (capacityMb: number) => new ParsedPlaylists(capacityMb, () => clock);
  /** How many times each room's stored JSON was read. */
  const reads = new Map<string, number>();
  const read = (kept: ParsedPlaylists, roomId: string, kib = 300) =>
    kept.of(roomId, () => {
      reads.set(roomId, (reads.get(roomId) ?? 0) + 1);
      return storedOfKib(kib, roomId);
    });

  it('parses a playlist once and hands out the same frozen snapshot', () => {
    const kept = cache(1);
    const first = read(kept, 'a');
    expect(read(kept, 'a')).toBe(first);
    expect(reads.get('a')).toBe(1);
    expect([Object.isFrozen(first), Object.isFrozen(first.musics), Object.isFrozen(first.musics[0])]).toEqual(
      [true, true, true],
    );
    expect(() => (first.musics as unknown[]).push({})).toThrow(TypeError);
  });

  it('when full, keeps what was read within the last minute and parses a newcomer each time', () => {
    clock = 0;
    const kept = cache(1); // room for three of 300 KiB
    for (const room of ['b1', 'b2', 'b3', 'b4']) read(kept, room);
    expect(kept.size.rooms).toBe(3);
    read(kept, 'b4');
    read(kept, 'b1');
    expect([reads.get('b1'), reads.get('b4')]).toEqual([1, 2]);
  });

  it('lets the least recently read make way once it has gone a minute unread, and forgets a closed room', () => {
    clock = 0;
    const kept = cache(1);
    for (const room of ['c1', 'c2', 'c3']) read(kept, room);
    clock = PLAYLIST_MAKES_WAY_AFTER_MS - 1;
    read(kept, 'c1'); // c1 is read again: c2 is now the least recently read
    clock = PLAYLIST_MAKES_WAY_AFTER_MS;
    read(kept, 'c4'); // c2 went a minute unread: it makes way
    read(kept, 'c4');
    read(kept, 'c1');
    read(kept, 'c2');
    expect([reads.get('c1'), reads.get('c2'), reads.get('c4')]).toEqual([1, 2, 1]);
    kept.forget('c1');
    expect(kept.size.rooms).toBe(2);
    read(kept, 'c5'); // c1's room is free again
    read(kept, 'c5');
    expect(reads.get('c5')).toBe(1);
  });

  it('keeps nothing heavier than its whole capacity, and nothing at all with 0', () => {
    const one = cache(1);
    read(one, 'd1', 1_100);
    read(one, 'd1', 1_100);
    expect([reads.get('d1'), one.size]).toEqual([2, { rooms: 0, chars: 0 }]);
    const none = cache(0);
    read(none, 'd2', 1);
    read(none, 'd2', 1);
    expect(reads.get('d2')).toBe(2);
  });
});
