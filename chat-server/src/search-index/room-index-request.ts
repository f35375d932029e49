import { roomThumbnail, type Room } from '../room-store/room.model';
import type { RoomIndexRequest } from './search-indexer.port';

/** What the search service is told about a room, over HTTP (all of it) and as an event (without the tracks). */
export function roomIndexRequest(room: Room): RoomIndexRequest {
  return {
    roomId: room.id,
    roomName: room.roomName,
    playlistId: room.playlist.id,
    playlistName: room.playlist.name,
    thumbnail: roomThumbnail(room),
    createdAt: room.createdAt.toISOString(),
    musics: room.playlist.musics.map(({ title, artist }) => ({ title, artist })),
  };
}
