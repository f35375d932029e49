import type { StompSession } from '@playlist-chat/stomp';
import type { ChatPrincipal } from '../auth/chat-principal';

export type ChatSession = StompSession<ChatPrincipal>;

/**
 * Which STOMP sessions (devices) count as present in which rooms, told to whoever keeps presence
 * (docs/presence.md, "What the chat server should do"). A session counts for a room from a
 * `SEND /chat/pub/join` or a room SUBSCRIBE until the first of: the session ends; it unsubscribes
 * its last subscription to the room; the member leaves the room for now while this session is
 * not subscribed to it; the member exits or is evicted. Leaving and exiting reach this port as
 * chat events (`member.left`, `member.exited`) on every instance.
 *
 * `CHAT_PRESENCE` picks the adapter: `server` tells the presence server over `chat.devices`
 * (`device-presence.bus.ts`); `none` keeps nothing (`device-presence.none.ts`).
 */
export abstract class DevicePresence {
  abstract connected(session: ChatSession): void;

  /** The session joined the room (a member's session only). */
  abstract joined(session: ChatSession, roomId: string): Promise<void>;

  /** The session subscribed to the room's topic (after the membership check). */
  abstract subscribed(session: ChatSession, roomId: string, subscriptionId: string): Promise<void>;

  /** The session unsubscribed from the room's topic. */
  abstract unsubscribed(session: ChatSession, roomId: string, subscriptionId: string): Promise<void>;

  abstract disconnected(session: ChatSession): Promise<void>;
}
