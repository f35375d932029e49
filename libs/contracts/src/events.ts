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
  | EventEnvelope<'room.closed', { roomId: string }>
  /**
   * Every member of the live room was just sent again as `room.member-joined`: the presence
   * server had answered that it did not know the room, or knew it only from events after its
   * opening (it lost its state), so its roster of the room is whole again from here.
   */
  | EventEnvelope<'room.roster-resent', { roomId: string }>;

/**
 * A device (one STOMP session) of a member coming or going in a room, published by the chat
 * server (key: roomId; the heartbeat, which spans rooms, is keyed by uid). A device counts
 * for PRESENCE_DEVICE_TTL_SECONDS after its last connected/heartbeat event; connecting a known
 * device again refreshes it. The heartbeat only refreshes (deviceId, roomId) pairs the
 * presence server already knows, so a late heartbeat never revives a disconnected device.
 */
export type DeviceEvent =
  | EventEnvelope<'presence.device-connected', { roomId: string; uid: string; deviceId: string }>
  | EventEnvelope<'presence.device-disconnected', { roomId: string; uid: string; deviceId: string }>
  | EventEnvelope<'presence.devices-heartbeat', { uid: string; deviceIds: string[]; roomIds: string[] }>;

export type PresenceState = 'on' | 'off';

/** What made a member's presence change (see docs/presence.md). */
export type PresenceChangeCause = 'device' | 'expiry' | 'manual' | 'membership';

/**
 * A member's state changed in a room, published by the presence server (key: roomId).
 * `mayChat` (false while the member chose to appear offline, or after they left the room) is
 * what the chat server gates sends on; `state` is what it relays to the room as PRESENCE.
 * Both are optional only for producers older than them; the presence server always sets them.
 */
export type PresenceEvent =
  | EventEnvelope<
      'presence.changed',
      {
        roomId: string;
        uid: string;
        nickName: string;
        state: PresenceState;
        mayChat?: boolean;
        cause?: PresenceChangeCause;
      }
    >
  /**
   * The presence store lost its state (a Redis that came back empty) or is new (key:
   * `presence-store`): rosters, devices and choices told before are gone. Each chat server tells
   * it again the rooms its sessions count in, and forgets what it had heard of members' choices.
   */
  | EventEnvelope<'presence.store-reset', Record<string, never>>;

/**
 * Body of the presence server's internal `GET /internal/v1/presence/{roomId}/members/{uid}`,
 * which the chat server calls on join. `mayChat` does not depend on whether the joining
 * connection's device events or the member's join event were handled yet.
 */
export interface MemberPresenceStatus {
  readonly roomId: string;
  readonly uid: string;
  /** Whether the room is known to the presence server (opened and not closed). */
  readonly roomExists: boolean;
  /**
   * False when the presence server knows the room only from events after its opening (it lost
   * its state), so members may be missing from its roster: the chat server sends them again.
   */
  readonly rosterKnown: boolean;
  /** Whether `uid` is on the presence server's copy of the roster (it may lag the chat server's). */
  readonly member: boolean;
  readonly state: PresenceState;
  /** False only while the member chose to appear offline in this room (PATCH off). */
  readonly mayChat: boolean;
}

/** Request to the search service to index a room (key: roomId). */
export type SearchIndexEvent = EventEnvelope<
  'search.index-room',
  {
    roomId: string;
    roomName: string;
    playlistId: string;
    playlistName: string;
    thumbnail: string | null;
    createdAt: string;
  }
>;

/**
 * For the platform's push service (key: roomId): a chat line was stored while these members of
 * the room were off (no device there, or appearing offline). One event per line; the sender is
 * never a recipient; a line with no one off gives no event.
 */
export type NotificationEvent = EventEnvelope<
  'notification.line-for-offline-members',
  {
    roomId: string;
    messageId: string;
    sender: { uid: string; nickName: string };
    /** The line's first 100 characters. */
    preview: string;
    /** Uids of the members who were off when the line was stored. */
    recipients: string[];
    createdAt: string;
  }
>;

/** Topic name → event type: every publish and subscribe is type-checked against this map. */
export interface EventTopics {
  'chat.rooms': RoomEvent;
  'chat.devices': DeviceEvent;
  'presence.changes': PresenceEvent;
  'search.index': SearchIndexEvent;
  'chat.notifications': NotificationEvent;
}

export type TopicName = keyof EventTopics;

export function makeEvent<E extends EventEnvelope<string, unknown>>(
  type: E['type'],
  payload: E['payload'],
  now: Date = new Date(),
): E {
  return { type, version: 1, occurredAt: now.toISOString(), payload } as E;
}
