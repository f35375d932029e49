/**
 * Events that travel between services on the EventBus, by topic. Every event carries
 * `type` and `version`; a consumer ignores versions it does not know rather than failing.
 * Keys: roomId for everything room-scoped, so per-room order holds on every bus.
 */

export interface EventEnvelope<Type extends string, Payload> {
  readonly type: Type;
  readonly version: 1;
  /** ISO-8601 time the producer created the event. */
  readonly occurredAt: string;
  readonly payload: Payload;
}

export interface MemberRef {
  readonly uid: string;
  readonly nickName: string;
  readonly profileImage: string | null;
}

/** Room lifecycle and membership, published by the chat server (key: roomId). */
export type RoomEvent =
  | EventEnvelope<'room.opened', { roomId: string; roomName: string; owner: MemberRef }>
  | EventEnvelope<'room.member-joined', { roomId: string; member: MemberRef }>
  | EventEnvelope<'room.member-exited', { roomId: string; uid: string; reason: 'exit' | 'evicted' }>
  | EventEnvelope<'room.closed', { roomId: string }>;

/** A device (one STOMP session) of a member coming or going in a room, published by the chat server (key: roomId). */
export type DeviceEvent =
  | EventEnvelope<'presence.device-connected', { roomId: string; uid: string; deviceId: string }>
  | EventEnvelope<'presence.device-disconnected', { roomId: string; uid: string; deviceId: string }>
  | EventEnvelope<'presence.devices-heartbeat', { uid: string; deviceIds: string[]; roomIds: string[] }>;

export type PresenceState = 'on' | 'off';

/** A member's state changed in a room, published by the presence server (key: roomId). */
export type PresenceEvent = EventEnvelope<
  'presence.changed',
  { roomId: string; uid: string; nickName: string; state: PresenceState }
>;

/** Request to the search service to index a room (key: roomId). */
export type SearchIndexEvent = EventEnvelope<
  'search.index-room',
  { roomId: string; roomName: string; playlistId: string; playlistName: string; thumbnail: string | null; createdAt: string }
>;

/** Topic name → event type: every publish and subscribe is type-checked against this map. */
export interface EventTopics {
  'chat.rooms': RoomEvent;
  'chat.devices': DeviceEvent;
  'presence.changes': PresenceEvent;
  'search.index': SearchIndexEvent;
}

export type TopicName = keyof EventTopics;

export function makeEvent<E extends EventEnvelope<string, unknown>>(
  type: E['type'],
  payload: E['payload'],
  now: Date = new Date(),
): E {
  return { type, version: 1, occurredAt: now.toISOString(), payload } as E;
}
