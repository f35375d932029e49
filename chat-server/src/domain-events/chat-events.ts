import { Global, Injectable, Module } from '@nestjs/common';
import type { ChatMessage, MemberRef } from '@playlist-chat/contracts';
import type { Room } from '../room-store/room.model';

/** A room was opened (committed); `owner` joins it next. */
export interface RoomOpened {
  readonly type: 'room.opened';
  readonly room: Room;
  readonly owner: MemberRef;
}

/** Idle clean-up closed the room (committed). */
export interface RoomClosed {
  readonly type: 'room.closed';
  readonly roomId: string;
}

/** A user became a member (committed; the ENTER line is stored). */
export interface MemberJoined {
  readonly type: 'member.joined';
  readonly roomId: string;
  readonly member: MemberRef;
}

/** A member joined again with another nickname or picture (committed: the room shows the new ones). */
export interface MemberRenamed {
  readonly type: 'member.renamed';
  readonly roomId: string;
  readonly member: MemberRef;
}

/** A member left for good, or was evicted by the room limit (committed; the EXIT line is stored). */
export interface MemberExited {
  readonly type: 'member.exited';
  readonly roomId: string;
  readonly uid: string;
  readonly reason: 'exit' | 'evicted';
}

/** A member left the room for now (membership stays; read position saved). */
export interface MemberLeft {
  readonly type: 'member.left';
  readonly roomId: string;
  readonly uid: string;
}

/**
 * On this instance: a member left a room for now or for good (`forGood`: exit, eviction). The
 * two events above are told once, by the instance that served the change; this one is told on
 * every instance (through the fan-out), for what each instance holds of the member's sessions.
 */
export interface MemberDeparted {
  readonly type: 'member.departed';
  readonly roomId: string;
  readonly uid: string;
  readonly forGood: boolean;
}

/**
 * On this instance: the presence server lost a room's state, so the member's sessions here that
 * count in the room are to be announced again (told on every instance, through the fan-out).
 */
export interface MemberRecount {
  readonly type: 'member.recount';
  readonly roomId: string;
  readonly uid: string;
}

/** A member's chat line was stored (committed and published; not for a resend of a stored one). */
export interface LineStored {
  readonly type: 'line.stored';
  readonly message: ChatMessage;
}

export type ChatEvent =
  | RoomOpened
  | RoomClosed
  | MemberJoined
  | MemberRenamed
  | MemberExited
  | MemberLeft
  | MemberDeparted
  | MemberRecount
  | LineStored;
type Handler<E extends ChatEvent> = (event: E) => Promise<void> | void;
type EventOf<T extends ChatEvent['type']> = Extract<ChatEvent, { type: T }>;

/**
 * In-process domain events of the chat server: a feature tells what happened, and the features
 * that care (presence, delivery, the event log, search) react, without the teller knowing them.
 * `emit` runs the handlers one after the other and resolves when all are done, so the request
 * that caused the event is answered (RECEIPT, HTTP response) only after its consequences; a
 * handler's error fails the request, as a direct call would have. Typed and awaited, which is
 * why this is not `@nestjs/event-emitter` (string events, fire-and-forget by default).
 */
@Injectable()
export class ChatEvents {
  private readonly handlers = new Map<ChatEvent['type'], Handler<never>[]>();

  /** Call from `onModuleInit`: handlers run in the order they were added. */
  on<T extends ChatEvent['type']>(type: T, handler: Handler<EventOf<T>>): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
  }

  async emit(event: ChatEvent): Promise<void> {
    for (const handler of this.handlers.get(event.type) ?? []) await (handler as Handler<ChatEvent>)(event);
  }
}

/** Global: every feature module may emit and handle chat events. */
@Global()
@Module({ providers: [ChatEvents], exports: [ChatEvents] })
export class ChatEventsModule {}
