import type { ChatPermissionSource } from '../presence/presence-gate.port';

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
