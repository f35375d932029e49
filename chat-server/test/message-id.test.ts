import { describe, expect, it } from 'vitest';
import { ManualClock } from '@playlist-chat/platform';
import { MessageIdGenerator, MESSAGE_ID_PATTERN } from '../src/ids/message-id';
import { parsePlaytime } from '../src/rooms/playtime';

describe('message ids', () => {
  it('sort in creation order within one millisecond, across milliseconds and when the clock steps back', () => {
    const clock = new ManualClock('2026-02-01T00:00:00.000Z');
    const ids = new MessageIdGenerator(clock);
    const made: string[] = [];
    for (let index = 0; index < 1000; index++) made.push(ids.next());
    clock.advance(1);
    made.push(ids.next());
    clock.advance(-60_000);
    made.push(ids.next(), ids.next());
    clock.advance(120_000);
    made.push(ids.next());
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
    expect(made.every((id) => MESSAGE_ID_PATTERN.test(id))).toBe(true);
  });

  it('differ between two generators at the same instant (two instances of a cluster)', () => {
    const clock = new ManualClock();
    expect(new MessageIdGenerator(clock).next()).not.toBe(new MessageIdGenerator(clock).next());
  });
});

describe('playtime', () => {
  it.each([
    ['3:25', 205],
    ['0:01', 1],
    ['12:00', 720],
    ['1:02:03', 3723],
    ['10:00:00', 36000],
  ])('reads %s as %i seconds', (playtime, seconds) => expect(parsePlaytime(playtime)).toBe(seconds));

  it.each(['', '3', '3:5', '3:60', '1:60:00', '1:00:60', 'a:bc', '-1:00', '0:00', '3:25 ', '1:2:3:4'])(
    'refuses %j',
    (playtime) => expect(parsePlaytime(playtime)).toBeNull(),
  );
});
