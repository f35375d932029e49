import type {
  ChoiceOutcome,
  MemberLookup,
  MemberPresence,
  PresenceChange,
  RosterMember,
} from './presence.model';

/**
 * Who is on and off in each room: a roster per room (from the chat server's room events),
 * the devices of each member (from its device events), and each member's own choice.
 *
 * State rules, for every adapter:
 * - A device is live while `now < expiresAt`; connecting or refreshing it sets
 *   `expiresAt = now + deviceTtlMs`. Time always comes from the caller's `now` (a `Clock`),
 *   never from the engine, so tests drive expiry with a manual clock.
 * - A member is `on` while they have a live device and have not chosen to appear offline;
 *   otherwise `off`. `mayChat` is false only while they chose to appear offline.
 * - `turnOff` (PATCH off) = appear offline: the choice sticks across reconnects until
 *   `turnOn` or leaving the room. `turnOn` (PATCH on) clears it and takes (or renews) a lease
 *   device `API_LEASE_DEVICE_ID`, so a member with no STOMP connection is on for one TTL.
 * - Devices may arrive before their member's join (events travel on two topics); they are
 *   kept and count once the member joins. Only roster members are ever reported.
 *
 * Change guarantees: every mutation is atomic and returns the changes it caused. The store
 * remembers the last (state, mayChat) it reported per member, so a change is returned exactly
 * once: repeating a mutation (at-least-once delivery) returns none, and a device that lapsed
 * without a disconnect is reported by `expireDevices` (or by the next mutation of that member).
 * A member who leaves is reported once as `off` with `mayChat: false` (cause `membership`).
 *
 * Reads reflect `now`: a lapsed device is off for reads at once, before the sweep reports it.
 * Lists are sorted by nickname, then uid, and complete.
 */
export abstract class PresenceStore {
  /** Opens the room (idempotent) with its owner on the roster. */
  abstract openRoom(roomId: string, owner: RosterMember, now: Date): Promise<PresenceChange[]>;

  /**
   * Adds or renames a member; opens the room if its `opened` event was not seen, with a roster
   * that is not known to be whole (`rosterKnown` false) until `markRosterKnown`.
   */
  abstract addMember(roomId: string, member: RosterMember, now: Date): Promise<PresenceChange[]>;

  /** The chat server sent every member again (`room.roster-resent`): the roster is whole. Nothing for an unknown room. */
  abstract markRosterKnown(roomId: string): Promise<void>;

  /** Removes a member for good and forgets their choice; their devices lapse on their own. */
  abstract removeMember(roomId: string, uid: string, now: Date): Promise<PresenceChange[]>;

  /** Forgets everything about the room; reports nothing (the room is gone). */
  abstract closeRoom(roomId: string): Promise<void>;

  /** Connects a device, or refreshes it when known. */
  abstract connectDevice(roomId: string, uid: string, deviceId: string, now: Date): Promise<PresenceChange[]>;

  /**
   * Disconnects a device. With a reconnect grace period, the device still counts until
   * `min(its expiry, now + grace)` — a new connection within it keeps the member on without a
   * flicker — but a heart-beat for it is ignored from now on.
   */
  abstract disconnectDevice(
    roomId: string,
    uid: string,
    deviceId: string,
    now: Date,
  ): Promise<PresenceChange[]>;

  /** Refreshes each (device, room) pair of `uid` that is known; unknown pairs are ignored. */
  abstract refreshDevices(
    uid: string,
    deviceIds: readonly string[],
    roomIds: readonly string[],
    now: Date,
  ): Promise<PresenceChange[]>;

  /** Drops devices lapsed at `now` (at most `limit` members' worth per call) and reports the changes. */
  abstract expireDevices(now: Date, limit: number): Promise<{ changes: PresenceChange[]; members: number }>;

  /** PATCH on. */
  abstract turnOn(roomId: string, uid: string, now: Date): Promise<ChoiceOutcome>;

  /** PATCH off. */
  abstract turnOff(roomId: string, uid: string, now: Date): Promise<ChoiceOutcome>;

  abstract roomExists(roomId: string): Promise<boolean>;

  /**
   * Whether the room's roster is whole: the room was opened (`openRoom`) or its roster resent
   * (`markRosterKnown`) since this store last lost its state. False for an unknown room, and for
   * one opened by a later event (`addMember`): the store lost the room (a restart of the memory
   * store, a Redis without its data) and the chat server is to send its members again.
   */
  abstract rosterKnown(roomId: string): Promise<boolean>;

  abstract getMember(roomId: string, uid: string, now: Date): Promise<MemberLookup>;

  /** Every roster member's presence, sorted; null when the room is unknown. */
  abstract listStates(roomId: string, now: Date): Promise<MemberPresence[] | null>;

  /** Room memberships with a device connected or within the disconnect grace (a metric; one cheap read). */
  abstract connectedMembers(): Promise<number>;

  /**
   * (room, member) pairs whose last reported presence is on, over every room: what the rooms
   * show as on (a member on in three rooms counts three). Follows the reports, so a device that
   * lapsed counts until the sweep reports it. Kept by every mutation; reading it is O(1).
   */
  abstract membersOn(): Promise<number>;

  /**
   * False when the store is new or lost everything (a Redis that came back without its data)
   * since `markHoldsState`. Asked every sweep: one cheap command.
   */
  abstract holdsState(): Promise<boolean>;

  /** The loss was announced: `holdsState` is true until the store loses its data again. */
  abstract markHoldsState(): Promise<void>;

  /** Pings the engine (readiness). */
  abstract ping(): Promise<void>;

  abstract close(): Promise<void>;
}

export interface PresenceStoreOptions {
  readonly deviceTtlMs: number;
  /** How long a disconnected device still counts, for reconnects (default 0: not at all). */
  readonly disconnectGraceMs?: number;
}
