import { Injectable } from '@nestjs/common';
import { Clock, type Identity } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import { FanoutBridge } from '../delivery/fanout-bridge';
import { RoomFeed } from '../delivery/room-feed';
import { ChatEvents } from '../domain-events/chat-events';
import { ChatError } from '../errors/chat-error';
import { PresenceGate } from '../presence/presence-gate.port';
import { RoomStore, type JoinResult } from '../room-store/room-store.port';
import type { Member, Room } from '../room-store/room.model';
import { ActionLimit } from '../throttling/rate-limiter';
import { RoomAccess } from './room-access';

export interface MemberProfile {
  readonly uid: string;
  readonly nickName: string;
  readonly profileImage: string | null;
}

export const profileOf = (identity: Identity): MemberProfile => ({
  uid: identity.uid,
  nickName: identity.nickName,
  profileImage: identity.profileImage,
});

/**
 * Joining and leaving rooms, with what the room and the user see: ENTER/EXIT lines and the
 * 4-room rule (the oldest-joined room is exited for good and the user is told on
 * `/user/queue/events`). Each change is then told as a chat event (`member.joined`,
 * `member.exited`, `member.left`): the event log, presence and delivery react to it.
 */
@Injectable()
export class MembershipService {
  private readonly joinLimit: ActionLimit;

  constructor(
    private readonly rooms: RoomStore,
    private readonly access: RoomAccess,
    private readonly feed: RoomFeed,
    private readonly bridge: FanoutBridge,
    private readonly events: ChatEvents,
    private readonly config: ChatConfig,
    private readonly clock: Clock,
    private readonly presence: PresenceGate,
  ) {
    const chat = config.chat;
    this.joinLimit = new ActionLimit(clock, 'joins', chat.joinRateLimit, chat.joinRateWindowSeconds);
  }

  /**
   * A person joining over STOMP, as `join`: new joins (each stores an ENTER line) are limited to
   * CHAT_JOIN_RATE_LIMIT per window; entering a room one is in (every page load and reconnect)
   * stores nothing, costs nothing and is taken at the limit too.
   */
  async joinAsUser(roomId: string, profile: MemberProfile): Promise<JoinResult> {
    if (!this.joinLimit.tryTake(profile.uid)) {
      if (!(await this.rooms.standing(roomId, profile.uid))?.member)
        throw this.joinLimit.refusal(profile.uid);
      return this.join(roomId, profile);
    }
    const result = await this.join(roomId, profile);
    if (!result.joined) this.joinLimit.giveBack(profile.uid);
    return result;
  }

  /**
   * Idempotent: joining a room one is in posts nothing. Only a new nickname or picture in the
   * token is taken (`member.renamed`), so the room and presence show what the person is called now.
   */
  async join(roomId: string, profile: MemberProfile): Promise<JoinResult> {
    const result = await this.rooms.join(
      roomId,
      { ...profile, enteredAt: this.clock.now() },
      this.config.chat.maxRoomsPerUser,
    );
    if (!result) throw new ChatError('unknown-room', `room ${roomId} not found`);
    if (!result.joined) {
      await this.takeNewProfile(roomId, result.member, profile);
      return result;
    }
    // Unread counts start at one's own entrance: the store moves the joiner's read position to
    // the ENTER line as it stores it (MessageStore.append).
    await this.feed.post({
      roomId,
      type: 'ENTER',
      sender: profile,
      content: `${profile.nickName} has entered`,
      clientMessageId: null,
    });
    await this.events.emit({ type: 'member.joined', roomId, member: profile });
    for (const evictedRoomId of result.evictedRoomIds) {
      await this.announceExit(evictedRoomId, profile, 'evicted');
      await this.bridge.publishToUser(profile.uid, {
        type: 'room-evicted',
        roomId: evictedRoomId,
        reason: 'room-limit',
        joinedRoomId: roomId,
        at: this.clock.now().toISOString(),
      });
    }
    return result;
  }

  private async takeNewProfile(roomId: string, stored: Member | null, profile: MemberProfile): Promise<void> {
    if (!stored || (stored.nickName === profile.nickName && stored.profileImage === profile.profileImage))
      return;
    const { nickName, profileImage } = profile;
    if (await this.rooms.updateProfile(roomId, profile.uid, { nickName, profileImage }))
      await this.events.emit({ type: 'member.renamed', roomId, member: profile });
  }

  /** Leave for good. */
  async exit(roomId: string, profile: MemberProfile): Promise<Room> {
    await this.access.member(roomId, profile.uid);
    const room = await this.rooms.exit(roomId, profile.uid);
    if (!room) throw new ChatError('unknown-room', `room ${roomId} not found`);
    await this.announceExit(roomId, profile, 'exit');
    return room;
  }

  /**
   * Leave for now: membership stays, the read position is saved (forward only), and the
   * member's sessions that do not show the room (no subscription to it) stop counting for
   * their presence in it (`member.left`).
   */
  async leave(roomId: string, uid: string, lastReadMessageId: string | undefined): Promise<string | null> {
    const member = await this.access.member(roomId, uid);
    let saved = member.lastReadMessageId;
    if (lastReadMessageId) {
      await this.access.messageOf(roomId, lastReadMessageId, 'lastReadMessageId');
      // As a READ: out of the others' sight while the member appears offline.
      const shown = await this.presence.maySend(roomId, uid);
      const updated = await this.rooms.markRead(roomId, uid, lastReadMessageId, shown);
      if (!updated) throw new ChatError('not-a-member', `you are not a member of room ${roomId}`);
      saved = updated.lastReadMessageId;
    }
    await this.events.emit({ type: 'member.left', roomId, uid });
    return saved;
  }

  private async announceExit(
    roomId: string,
    profile: MemberProfile,
    reason: 'exit' | 'evicted',
  ): Promise<void> {
    await this.feed.post({
      roomId,
      type: 'EXIT',
      sender: profile,
      content: `${profile.nickName} has left`,
      clientMessageId: null,
    });
    await this.events.emit({ type: 'member.exited', roomId, uid: profile.uid, reason });
  }
}
