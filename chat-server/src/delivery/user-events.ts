/** Personal events on `/user/queue/events`: only the user concerned receives them. */
export type UserEvent = RoomEvictedEvent | PresenceStatusEvent;

/** The user joined a room beyond the limit, so the oldest-joined room was exited for good (every device). */
export interface RoomEvictedEvent {
  readonly type: 'room-evicted';
  readonly roomId: string;
  readonly reason: 'room-limit';
  readonly joinedRoomId: string;
  readonly at: string;
}

/**
 * The answer to "may I chat here?" on `SEND /chat/pub/join`, sent to the user's sessions on
 * the joining session's chat server before the join's RECEIPT.
 */
export interface PresenceStatusEvent {
  readonly type: 'presence-status';
  readonly roomId: string;
  /** False while you appear offline in the room (PATCH /api/v1/presence/off): sends are refused with presence-off. */
  readonly mayChat: boolean;
  readonly source: ChatPermissionSource;
  readonly at: string;
}

/**
 * Where an answer about a member's permission to chat came from:
 * - `presence-server`: the presence server answered (on join), or told us in `presence.changed`;
 * - `last-known`: the presence server could not be asked; this instance's last answer for the member;
 * - `assumed`: it could not be asked and nothing is known here, so the member may chat (the
 *   presence server itself answers so for anyone who has not chosen to appear offline);
 * - `no-presence`: this chat server runs without a presence server (CHAT_PRESENCE=none).
 */
export type ChatPermissionSource = 'presence-server' | 'last-known' | 'assumed' | 'no-presence';
