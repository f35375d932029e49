/** Personal events on `/user/queue/events`: only the user concerned receives them, on every device. */
export type UserEvent = {
  readonly type: 'room-evicted';
  readonly roomId: string;
  /** The user joined a room beyond the limit, so the oldest-joined room was exited for good. */
  readonly reason: 'room-limit';
  readonly joinedRoomId: string;
  readonly at: string;
};
