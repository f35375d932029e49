import { Injectable } from '@nestjs/common';
import { ChatError } from '../errors/chat-error';
import { MessageStore } from '../message-store/message-store.port';
import { RoomStore, type RoomHeader } from '../room-store/room-store.port';
import type { Member, Room } from '../room-store/room.model';

/** The checks almost every request makes, with the catalogue's errors. */
@Injectable()
export class RoomAccess {
  constructor(
    private readonly rooms: RoomStore,
    private readonly messages: MessageStore,
  ) {}

  async room(roomId: string): Promise<Room> {
    const room = await this.rooms.get(roomId);
    if (!room) throw new ChatError('unknown-room', `room ${roomId} not found`);
    return room;
  }

  /** Reads only this member, whatever the room's size and its playlist's length. */
  async member(roomId: string, uid: string): Promise<Member> {
    return this.required(roomId, await this.rooms.standing(roomId, uid)).member;
  }

  /** This member and the room without its members (the playlist included). */
  async memberWithRoom(roomId: string, uid: string): Promise<{ room: RoomHeader; member: Member }> {
    return this.required(roomId, await this.rooms.membership(roomId, uid));
  }

  private required<T extends { member: Member | null }>(
    roomId: string,
    found: T | null,
  ): T & { member: Member } {
    if (!found) throw new ChatError('unknown-room', `room ${roomId} not found`);
    if (!found.member) throw new ChatError('not-a-member', `you are not a member of room ${roomId}`);
    return found as T & { member: Member };
  }

  /**
   * Refuses a message id that is not one of the room's messages: a read position or receipt
   * must point at a real line (a made-up id would freeze unread counts and fake receipts).
   */
  async messageOf(roomId: string, messageId: string, field = 'messageId'): Promise<void> {
    if (await this.messages.has(roomId, messageId)) return;
    const reason = `is not a message of room ${roomId}`;
    throw new ChatError('invalid-payload', `${field} ${reason}`, [{ field, reason }]);
  }
}
