import { ChatError } from '../errors/chat-error';
import type { RoomCursor } from '../room-store/room-store.port';
import type { Room } from '../room-store/room.model';

/**
 * Room lists come a page at a time, newest first. The cursor is opaque to clients: the last
 * room's creation time and id, base64url-encoded; they pass back what `X-Next-Cursor` said.
 */
export function encodeRoomCursor(room: Pick<Room, 'createdAt' | 'id'>): string {
  return Buffer.from(`${room.createdAt.getTime()}:${room.id}`).toString('base64url');
}

export function decodeRoomCursor(cursor: string): RoomCursor {
  const [time, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  const createdAt = new Date(Number(time));
  if (rest.length > 0 || !id || !/^\d{1,15}$/.test(time) || Number.isNaN(createdAt.getTime())) {
    const reason = 'is not a cursor this server gave out';
    throw new ChatError('invalid-payload', `cursor ${reason}`, [{ field: 'cursor', reason }]);
  }
  return { createdAt, id };
}

/** The page size asked for, checked against the maximum (a larger one is a 400, as for history). */
export function roomPageSize(requested: number | undefined, defaultSize: number, maxSize: number): number {
  if (requested === undefined) return defaultSize;
  if (requested > maxSize) {
    const reason = `size must not be greater than ${maxSize}`;
    throw new ChatError('invalid-payload', `size: ${reason}`, [{ field: 'size', reason }]);
  }
  return requested;
}

/** One page of rooms and where the next one starts (null on the last page). */
export interface RoomListPage<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}
