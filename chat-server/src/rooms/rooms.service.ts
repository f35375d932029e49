import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock, hasScope, ROOMS_CREATE_SCOPE, type Identity } from '@playlist-chat/platform';
import { ChatError } from '../errors/chat-error';
import { MessageStore } from '../message-store/message-store.port';
import type { CreateRoomDto } from './dto/create-room.dto';
import type { RoomSummaryView, RoomView } from './dto/room.views';
import { MembershipService } from './membership.service';
import { RoomAccess } from './room-access';
import { ChatEvents } from '../domain-events/chat-events';
import type { Room } from '../room-store/room.model';
import { ChatConfig } from '../config/chat-config';
import { ActionLimit } from '../throttling/rate-limiter';
import type { RoomListQuery } from './dto/room-params.dto';
import { decodeRoomCursor, encodeRoomCursor, roomPageSize, type RoomListPage } from './room-list-page';
import { RoomStore, type RoomPageRequest, type RoomSummary } from '../room-store/room-store.port';
import { roomSummary, roomViewFor } from './room.views';

/** The operators' view of every room needs this scope. */
export const ROOMS_ADMIN_SCOPE = 'rooms:admin';

@Injectable()
export class RoomsService {
  private readonly createLimit: ActionLimit;

  constructor(
    private readonly rooms: RoomStore,
    private readonly messages: MessageStore,
    private readonly access: RoomAccess,
    private readonly membership: MembershipService,
    private readonly events: ChatEvents,
    private readonly clock: Clock,
    private readonly config: ChatConfig,
  ) {
    const chat = config.chat;
    this.createLimit = new ActionLimit(
      clock,
      'new rooms',
      chat.createRateLimit,
      chat.createRateWindowSeconds,
    );
  }

  /**
   * Opens a room for a playlist with a frozen snapshot of it, and the owner joins first.
   * The search-index request is stored with the room (outbox). Asking again while the owner's
   * room for the playlist is live returns that room, so the playlist service may retry; another
   * owner naming the same playlist id opens their own (RoomStore: one live room per owner and playlist).
   */
  async create(caller: Identity, dto: CreateRoomDto): Promise<{ room: RoomView; created: boolean }> {
    if (dto.uid !== caller.uid && !hasScope(caller, ROOMS_CREATE_SCOPE)) {
      throw new ChatError(
        'forbidden',
        `only the playlist owner (or a caller with scope ${ROOMS_CREATE_SCOPE}) may open this room`,
      );
    }
    const playlistBytes = Buffer.byteLength(JSON.stringify(dto.playlist));
    const { maxPlaylistBytes } = this.config.chat;
    if (playlistBytes > maxPlaylistBytes) {
      const reason = `is ${playlistBytes} bytes; the limit is ${maxPlaylistBytes} (CHAT_MAX_PLAYLIST_BYTES)`;
      throw new ChatError('invalid-payload', `playlist ${reason}`, [{ field: 'playlist', reason }]);
    }
    // The playlist service opens rooms for everyone: only people opening their own are limited.
    const limited = !hasScope(caller, ROOMS_CREATE_SCOPE);
    const charged = limited && this.createLimit.tryTake(caller.uid);
    // Over the limit, a retry for a live room still gets it: it opens nothing.
    if (limited && !charged && (await this.rooms.liveRoomId(dto.uid, dto.playlist.id)) === null)
      throw this.createLimit.refusal(caller.uid);
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
    // A retry the docs invite (the room was live already) opened nothing: it costs the caller nothing.
    if (charged && !result.created) this.createLimit.giveBack(caller.uid);
    const owner = {
      uid: dto.uid,
      nickName: dto.userName,
      profileImage: dto.profileImage ?? (caller.uid === dto.uid ? caller.profileImage : null),
    };
    if (result.created) await this.events.emit({ type: 'room.opened', room: result.room, owner });
    // The owner joins a room just opened, and on a retry of a first attempt that stopped between
    // the two steps: nobody in it, and no line (the owner's ENTER is its first). A room everyone
    // left has lines: a retry there must not bring its owner back (nor exit them from another room).
    const unfinished =
      Object.keys(result.room.users).length === 0 && (await this.messages.latest(result.room.id)) === null;
    if (result.created || unfinished) await this.membership.join(result.room.id, owner);
    const stored = await this.access.room(result.room.id);
    return { room: roomViewFor(stored, dto.uid, this.clock), created: result.created };
  }

  /** Members see who is in the room; anyone else sees the room without its member list. */
  async get(roomId: string, caller: Identity): Promise<RoomView> {
    return roomViewFor(await this.access.room(roomId), caller.uid, this.clock);
  }

  async listJoined(uid: string, query: RoomListQuery = {}): Promise<RoomListPage<RoomSummaryView>> {
    const { rooms, nextCursor } = await this.page(query, (page) => this.rooms.listJoined(uid, page));
    const unread = await this.messages.countAfter(
      rooms.map((room) => ({ roomId: room.id, afterMessageId: room.lastReadMessageId ?? null })),
    );
    return { items: rooms.map((room) => roomSummary(room, unread.get(room.id) ?? 0)), nextCursor };
  }

  async listUnjoined(uid: string, query: RoomListQuery = {}): Promise<RoomListPage<RoomSummaryView>> {
    const { rooms, nextCursor } = await this.page(query, (page) => this.rooms.listUnjoined(uid, page));
    return { items: rooms.map((room) => roomSummary(room)), nextCursor };
  }

  async listAll(caller: Identity, query: RoomListQuery = {}): Promise<RoomListPage<RoomSummaryView>> {
    if (!hasScope(caller, ROOMS_ADMIN_SCOPE))
      throw new ChatError('forbidden', `listing every room needs scope ${ROOMS_ADMIN_SCOPE}`);
    const { rooms, nextCursor } = await this.page(query, (page) => this.rooms.listAll(page));
    return { items: rooms.map((room) => roomSummary(room)), nextCursor };
  }

  /** Reads one more room than the page holds, to know whether another page follows. */
  private async page(
    query: RoomListQuery,
    list: (page: RoomPageRequest) => Promise<RoomSummary[]>,
  ): Promise<{ rooms: RoomSummary[]; nextCursor: string | null }> {
    const { roomPageDefault, roomPageMax } = this.config.chat;
    const size = roomPageSize(query.size, roomPageDefault, roomPageMax);
    const after = query.cursor === undefined ? undefined : decodeRoomCursor(query.cursor);
    const rooms = await list({ after, limit: size + 1 });
    if (rooms.length <= size) return { rooms, nextCursor: null };
    const shown = rooms.slice(0, size);
    return { rooms: shown, nextCursor: encodeRoomCursor(shown[shown.length - 1]) };
  }
}
