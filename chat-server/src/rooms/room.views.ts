import type { Clock } from '@playlist-chat/platform';
import type { RoomSummaryView, RoomView } from './dto/room.views';
import { nowPlaying } from './now-playing';
import type { RoomSummary } from '../room-store/room-store.port';
import { roomThumbnail, type Room } from '../room-store/room.model';

/**
 * What `viewer` sees of a room: members see who is in it (`membersSeenBy`), anyone else the room
 * without its member list (not even worked out).
 */
export function roomViewFor(room: Room, viewer: string, clock: Clock): RoomView {
  return {
    id: room.id,
    roomName: room.roomName,
    ownerUid: room.ownerUid,
    userCount: Object.keys(room.users).length,
    users: Object.hasOwn(room.users, viewer) ? membersSeenBy(room, viewer) : {},
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

/** The members, each with the read position `viewer` is shown: their own as saved, the others' as shown. */
function membersSeenBy(room: Room, viewer: string): RoomView['users'] {
  return Object.fromEntries(
    Object.values(room.users).map(({ shownReadMessageId, ...member }) => [
      member.uid,
      {
        ...member,
        lastReadMessageId: member.uid === viewer ? member.lastReadMessageId : shownReadMessageId,
        enteredAt: member.enteredAt.toISOString(),
      },
    ]),
  );
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
