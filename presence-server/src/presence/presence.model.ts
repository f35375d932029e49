import type { PresenceChangeCause, PresenceState } from '@playlist-chat/contracts';

/** A roster entry: a member of a room as the chat server announced them. */
export interface RosterMember {
  readonly uid: string;
  readonly nickName: string;
}

/** One member's presence in one room, as of a given instant. */
export interface MemberPresence {
  readonly uid: string;
  readonly nickName: string;
  /** `on` while the member has a live device and has not chosen to appear offline. */
  readonly state: PresenceState;
  /** False only while the member has chosen to appear offline (PATCH off). */
  readonly mayChat: boolean;
}

/** A member's announced (state, mayChat) flipped: the presence server publishes one `presence.changed` per change. */
export interface PresenceChange extends MemberPresence {
  readonly roomId: string;
  readonly cause: PresenceChangeCause;
}

/** Result of a member's own on/off request. */
export type ChoiceOutcome =
  | { readonly outcome: 'ok'; readonly member: MemberPresence; readonly changes: readonly PresenceChange[] }
  | { readonly outcome: 'unknown-room' }
  | { readonly outcome: 'not-a-member' };

/** A member's presence as the chat server asks for it on join (see `GET /internal/v1/presence/...`). */
export interface MemberLookup {
  readonly roomExists: boolean;
  /** False for a room known only from events after its opening (see `PresenceStore.rosterKnown`). */
  readonly rosterKnown: boolean;
  /** Null when `uid` is not (yet) on the room's roster. */
  readonly member: MemberPresence | null;
  /** True when the member chose to appear offline; kept until they turn on again or leave the room. */
  readonly appearOffline: boolean;
}

/**
 * Device id of the lease a `PATCH /on` takes: it keeps a member without a STOMP connection on
 * for one device TTL, and each further `PATCH /on` renews it (the REST client's heart-beat).
 */
export const API_LEASE_DEVICE_ID = 'rest-api-lease';

/**
 * A disconnected device keeps its member on for the reconnect grace period under this name,
 * which no heart-beat or connect for the device id matches (so nothing can revive it).
 */
export const graceEntry = (deviceId: string): string => `\u0000grace:${deviceId}`;

/** Lists are sorted by nickname, then uid, so equal nicknames still have one order. */
export function byNickName(
  a: { nickName: string; uid: string },
  b: { nickName: string; uid: string },
): number {
  if (a.nickName !== b.nickName) return a.nickName < b.nickName ? -1 : 1;
  if (a.uid === b.uid) return 0;
  return a.uid < b.uid ? -1 : 1;
}
