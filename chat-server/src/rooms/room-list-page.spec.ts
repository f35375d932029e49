import { describe, expect, it } from 'vitest';
import { ChatError } from '../errors/chat-error';
import { decodeRoomCursor, encodeRoomCursor, roomPageSize } from './room-list-page';
import type { Room } from '../room-store/room.model';

const room = {
  id: '3f0c4a8e-0000-4000-8000-000000000001',
  createdAt: new Date('2026-04-01T09:00:00Z'),
} as Room;

describe('room list pages', () => {
  it('turn a room into a cursor and back', () => {
    expect(decodeRoomCursor(encodeRoomCursor(room))).toEqual({ createdAt: room.createdAt, id: room.id });
  });

  it.each(['', 'bm90LWEtY3Vyc29y', Buffer.from('12:a:b').toString('base64url')])(
    'refuse a cursor the server did not give out (%j), naming the field',
    (cursor) => {
      expect(() => decodeRoomCursor(cursor)).toThrow(ChatError);
      try {
        decodeRoomCursor(cursor);
      } catch (error) {
        expect((error as ChatError).fields.map((f) => f.field)).toEqual(['cursor']);
      }
    },
  );

  it('take the default size, any size up to the maximum, and refuse more', () => {
    expect(roomPageSize(undefined, 20, 100)).toBe(20);
    expect(roomPageSize(100, 20, 100)).toBe(100);
    expect(() => roomPageSize(101, 20, 100)).toThrow('size must not be greater than 100');
  });
});
