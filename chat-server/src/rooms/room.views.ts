import type { Clock } from '@playlist-chat/platform';
import type { RoomSummaryView, RoomView } from './dto/room.views';
import { nowPlaying } from './now-playing';
import type { RoomSummary } from '../room-store/room-store.port';
import { roomThumbnail, type Room } from '../room-store/room.model';

/**
 * The room as `viewer` sees it: every member's read position is the one others are shown
 * (`shownReadMessageId`), but the viewer's own, which is where they really are.
 */
export function roomView(room: Room, clock: Clock, viewer: string): RoomView {
  return {
    id: room.id,
    roomName: room.roomName,
    ownerUid: room.ownerUid,
    userCount: Object.keys(room.users).length,
    users: Object.fromEntries(
      Object.values(room.users).map(({ shownReadMessageId, ...member }) => [
        member.uid,
        {
          ...member,
          lastReadMessageId: member.uid === viewer ? member.lastReadMessageId : shownReadMessageId,
          enteredAt: member.enteredAt.toISOString(),
        },
      ]),
    ),
    playlist: {
      id: room.playlist.id,
      name: room.playlist.name,
      musics: room.playlist.musics.map((music) => ({ ...music })),
    },
    thumbnail: roomThumbnail(room),
    createdAt: room.createdAt.toISOString(),
    nowPlaying: nowPlaying(room.playlist, room.createdAt, clock.now()),
  };
}

/** What `uid` sees of a room: members see who is in it; anyone else the room without its member list. */
export function roomViewFor(room: Room, uid: string, clock: Clock): RoomView {
  const view = roomView(room, clock, uid);
  return Object.hasOwn(room.users, uid) ? view : { ...view, users: {} };
}

export function roomSummary(room: RoomSummary, unreadCount?: number): RoomSummaryView {
  const summary: RoomSummaryView = {
    id: room.id,
    roomName: room.roomName,
    thumbnail: room.thumbnail,
    userCount: room.memberCount,
    createdAt: room.createdAt.toISOString(),
  };
  if (unreadCount !== undefined) summary.unreadCount = unreadCount;
  return summary;
}
