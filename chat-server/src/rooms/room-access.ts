import { Injectable } from '@nestjs/common';
import { ChatError } from '../errors/chat-error';
import type { Member, Room } from './room.model';
import { RoomStore } from './room-store.port';

/** The two checks almost every request makes, with the catalogue's errors. */
@Injectable()
export class RoomAccess {
  constructor(private readonly rooms: RoomStore) {}

  async room(roomId: string): Promise<Room> {
    const room = await this.rooms.get(roomId);
    if (!room) throw new ChatError('unknown-room', `room ${roomId} not found`);
    return room;
  }

  async member(roomId: string, uid: string): Promise<{ room: Room; member: Member }> {
    const room = await this.room(roomId);
    const member = room.users[uid];
    if (!member) throw new ChatError('not-a-member', `you are not a member of room ${roomId}`);
    return { room, member };
  }
}
