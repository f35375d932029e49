import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock, hasScope, ROOMS_CREATE_SCOPE, type Identity } from '@playlist-chat/platform';
import { ChatError } from '../errors/chat-error';
import { MessageStore } from '../messages/message-store.port';
import { SearchIndexEvents } from '../search-index/search-index.events';
import type { CreateRoomDto } from './dto/create-room.dto';
import type { RoomSummaryView, RoomView } from './dto/room.views';
import { MembershipService } from './membership.service';
import { RoomAccess } from './room-access';
import { RoomEvents } from './room-events';
import type { Room } from './room.model';
import { RoomStore } from './room-store.port';
import { roomSummary, roomView } from './room.views';

/** The operators' view of every room needs this scope. */
export const ROOMS_ADMIN_SCOPE = 'rooms:admin';

@Injectable()
export class RoomsService {
  constructor(
    private readonly rooms: RoomStore,
    private readonly messages: MessageStore,
    private readonly access: RoomAccess,
    private readonly membership: MembershipService,
    private readonly events: RoomEvents,
    private readonly searchEvents: SearchIndexEvents,
    private readonly clock: Clock,
  ) {}

  /**
   * Opens a room for a playlist with a frozen snapshot of it, and the owner joins first.
   * The search-index request is stored with the room (outbox). Asking again while the
   * playlist's room is live returns that room, so the playlist service may retry.
   */
  async create(caller: Identity, dto: CreateRoomDto): Promise<{ room: RoomView; created: boolean }> {
    if (dto.uid !== caller.uid && !hasScope(caller, ROOMS_CREATE_SCOPE)) {
      throw new ChatError(
        'forbidden',
        `only the playlist owner (or a caller with scope ${ROOMS_CREATE_SCOPE}) may open this room`,
      );
    }
    const now = this.clock.now();
    const room: Room = {
      id: randomUUID(),
      roomName: dto.playlist.name,
      ownerUid: dto.uid,
      playlist: {
        id: dto.playlist.id,
        name: dto.playlist.name,
        musics: dto.playlist.musics.map(({ title, artist, playtime, thumbnail }) => ({
          title,
          artist,
          playtime,
          thumbnail,
        })),
      },
      users: {},
      createdAt: now,
      lastActivityAt: now,
      closedAt: null,
    };
    const result = await this.rooms.create(room);
    const owner = {
      uid: dto.uid,
      nickName: dto.userName,
      profileImage: dto.profileImage ?? (caller.uid === dto.uid ? caller.profileImage : null),
    };
    if (result.created) {
      await this.events.opened(result.room.id, result.room.roomName, owner);
      await this.searchEvents.roomOpened(result.room);
    }
    // Also on a retry: a first attempt that stopped between the two steps still ends with the owner in.
    await this.membership.join(result.room.id, owner);
    return { room: roomView(await this.access.room(result.room.id), this.clock), created: result.created };
  }

  /** Members see who is in the room; anyone else sees the room without its member list. */
  async get(roomId: string, caller: Identity): Promise<RoomView> {
    const room = await this.access.room(roomId);
    const view = roomView(room, this.clock);
    return room.users[caller.uid] ? view : { ...view, users: {} };
  }

  async listJoined(uid: string): Promise<RoomSummaryView[]> {
    const rooms = await this.rooms.listJoined(uid);
    const unread = await this.messages.countAfter(
      rooms.map((room) => ({ roomId: room.id, afterMessageId: room.users[uid]?.lastReadMessageId ?? null })),
    );
    return rooms.map((room) => roomSummary(room, unread.get(room.id) ?? 0));
  }

  async listUnjoined(uid: string): Promise<RoomSummaryView[]> {
    return (await this.rooms.listUnjoined(uid)).map((room) => roomSummary(room));
  }

  async listAll(caller: Identity): Promise<RoomSummaryView[]> {
    if (!hasScope(caller, ROOMS_ADMIN_SCOPE))
      throw new ChatError('forbidden', `listing every room needs scope ${ROOMS_ADMIN_SCOPE}`);
    return (await this.rooms.listAll()).map((room) => roomSummary(room));
  }
}
