// Single process only; use the Redis adapter (PRESENCE_STORE=redis) for a cluster or several presence-server instances.
import type { PresenceChangeCause } from '@playlist-chat/contracts';
import {
  API_LEASE_DEVICE_ID,
  byNickName,
  graceEntry,
  type ChoiceOutcome,
  type MemberLookup,
  type MemberPresence,
  type PresenceChange,
  type RosterMember,
} from './presence.model';
import { PresenceStore, type PresenceStoreOptions } from './presence-store.port';
import type { SavedPresence, SavedState } from './saved-presence.sqlite';

interface RoomRecord {
  /** False for a room known only from early device events (not opened yet, or closed). */
  open: boolean;
  /** The roster is whole: opened here, or resent (false when first heard of from a join). */
  rosterKnown: boolean;
  /** uid → nickName. */
  readonly members: Map<string, string>;
  /**
   * Members read from the saved file at start whom the chat server has not told again yet; those
   * still here when it has told the whole roster (`markRosterKnown`) left while we were down.
   */
  untold?: Set<string>;
  readonly appearOffline: Set<string>;
  /** uid → deviceId → expiresAt (ms). Written through `setDevice` only. */
  readonly devices: Map<string, Map<string, number>>;
  /**
   * No device of the room expires before this (ms): the sweep skips the room until then. A lower
   * bound: a refresh moves a device's expiry later without raising it; the room's next sweep does.
   */
  sweepDueAt: number;
  /** uid → last reported `${state}:${mayChat}`; absent means the default `off:true`. */
  readonly reported: Map<string, string>;
}

const DEFAULT_REPORT = 'off:true';
/** The one reported value that is on (on implies mayChat). */
const ON_REPORT = 'on:true';

/** Plain maps; every method runs without awaiting in between, so each mutation is atomic. */
export class InMemoryPresenceStore extends PresenceStore {
  private readonly rooms = new Map<string, RoomRecord>();
  /** Reported `on` entries over every room (`membersOn`). */
  private onCount = 0;
  /** A memory store is new once, when its process starts, and never loses state after. */
  private held = false;
  /**
   * Choices read from `saved` at start for rooms without a saved roster (a file from before
   * rosters were saved): such a room takes its own when the chat server tells it again (its
   * members' joins), so they apply to its members only.
   */
  private readonly choicesToRestore: Map<string, Set<string>>;

  /**
   * @param saved where rosters and "appear offline" choices outlive the process (single node); none:
   * kept in memory only. Rooms read from it are open, with every member off, and their roster not
   * known to be whole until the chat server tells it again.
   */
  constructor(
    private readonly options: PresenceStoreOptions,
    private readonly saved?: SavedPresence,
  ) {
    super();
    const { rosters, appearOffline }: SavedState = saved?.load() ?? {
      rosters: new Map(),
      appearOffline: new Map(),
    };
    for (const [roomId, members] of rosters) {
      const room = this.room(roomId);
      room.open = true;
      for (const [uid, nickName] of members) room.members.set(uid, nickName);
      room.untold = new Set(members.keys());
      // Like a restored room's (restoreChoices): a choice of someone not on the saved roster waits
      // for their join, or goes with their leave or the whole roster told again.
      for (const uid of appearOffline.get(roomId) ?? []) room.appearOffline.add(uid);
      appearOffline.delete(roomId);
    }
    this.choicesToRestore = appearOffline;
  }

  async openRoom(roomId: string, owner: RosterMember, now: Date): Promise<PresenceChange[]> {
    this.room(roomId).rosterKnown = true;
    return this.addMember(roomId, owner, now);
  }

  async addMember(roomId: string, member: RosterMember, now: Date): Promise<PresenceChange[]> {
    const room = this.room(roomId);
    if (room.members.get(member.uid) !== member.nickName) {
      this.saved?.saveMember(roomId, member.uid, member.nickName);
    }
    if (!room.open) this.restoreChoices(roomId, room);
    room.open = true;
    room.members.set(member.uid, member.nickName);
    room.untold?.delete(member.uid);
    return this.settle(roomId, room, member.uid, now.getTime(), 'membership');
  }

  async removeMember(roomId: string, uid: string, _now: Date): Promise<PresenceChange[]> {
    const room = this.rooms.get(roomId);
    // Leaving ends the choice, even one of a member not told again yet, or not restored yet.
    if (
      room?.members.has(uid) ||
      room?.appearOffline.has(uid) ||
      this.choicesToRestore.get(roomId)?.has(uid)
    ) {
      this.saved?.removeMember(roomId, uid);
      this.choicesToRestore.get(roomId)?.delete(uid);
      room?.appearOffline.delete(uid);
    }
    if (!room) return [];
    const change = this.dropMember(roomId, room, uid);
    return change ? [change] : [];
  }

  async markRosterKnown(roomId: string): Promise<void> {
    const room = this.rooms.get(roomId);
    if (!room?.open) return;
    // The roster is whole: a member read from the file and not told again, or a restored choice of
    // someone not on it, is of a member whose leave was lost (while we were down, or in a crash
    // before the in-process bus delivered it). Forgotten, as leaving forgets it.
    for (const uid of room.untold ?? []) {
      this.saved?.removeMember(roomId, uid);
      this.dropMember(roomId, room, uid);
    }
    room.untold = undefined;
    room.rosterKnown = true;
    for (const uid of room.appearOffline)
      if (!room.members.has(uid)) {
        this.saved?.forgetChoice(roomId, uid);
        room.appearOffline.delete(uid);
      }
  }

  async closeRoom(roomId: string): Promise<void> {
    this.saved?.forgetRoom(roomId);
    this.choicesToRestore.delete(roomId);
    for (const report of this.rooms.get(roomId)?.reported.values() ?? [])
      if (report === ON_REPORT) this.onCount -= 1;
    this.rooms.delete(roomId);
  }

  async connectDevice(roomId: string, uid: string, deviceId: string, now: Date): Promise<PresenceChange[]> {
    const room = this.room(roomId);
    setDevice(room, uid, deviceId, now.getTime() + this.options.deviceTtlMs);
    return this.settle(roomId, room, uid, now.getTime(), 'device');
  }

  async disconnectDevice(
    roomId: string,
    uid: string,
    deviceId: string,
    now: Date,
  ): Promise<PresenceChange[]> {
    const room = this.rooms.get(roomId);
    if (!room) return [];
    const expiresAt = room.devices.get(uid)?.get(deviceId);
    this.dropDevice(room, uid, deviceId);
    const graceUntil = now.getTime() + (this.options.disconnectGraceMs ?? 0);
    if (expiresAt !== undefined && graceUntil > now.getTime()) {
      setDevice(room, uid, graceEntry(deviceId), Math.min(expiresAt, graceUntil));
    }
    const changes = this.settle(roomId, room, uid, now.getTime(), 'device');
    this.forgetIfEmpty(roomId, room);
    return changes;
  }

  async refreshDevices(
    uid: string,
    deviceIds: readonly string[],
    roomIds: readonly string[],
    now: Date,
  ): Promise<PresenceChange[]> {
    const changes: PresenceChange[] = [];
    for (const roomId of new Set(roomIds)) {
      const room = this.rooms.get(roomId);
      const devices = room?.devices.get(uid);
      if (!room || !devices) continue;
      for (const deviceId of deviceIds) {
        if (devices.has(deviceId)) setDevice(room, uid, deviceId, now.getTime() + this.options.deviceTtlMs);
      }
      changes.push(...this.settle(roomId, room, uid, now.getTime(), 'device'));
    }
    return changes;
  }

  async expireDevices(now: Date, limit: number): Promise<{ changes: PresenceChange[]; members: number }> {
    const at = now.getTime();
    const changes: PresenceChange[] = [];
    let members = 0;
    // Runs every PRESENCE_SWEEP_INTERVAL_MS and almost always finds nothing: it looks only into
    // rooms where a device may have lapsed (`sweepDueAt`). Walking every member's devices every
    // second made 4.5 MB/s of garbage (iterators, entry pairs) at 10,000 idle members.
    for (const [roomId, room] of this.rooms) {
      if (room.sweepDueAt > at) continue;
      for (const [uid, devices] of room.devices) {
        if (members >= limit) return { changes, members };
        let lapsed: string[] | undefined;
        for (const [deviceId, expiresAt] of devices) if (expiresAt <= at) (lapsed ??= []).push(deviceId);
        if (!lapsed) continue;
        members += 1;
        for (const deviceId of lapsed) this.dropDevice(room, uid, deviceId);
        changes.push(...this.settle(roomId, room, uid, at, 'expiry'));
      }
      room.sweepDueAt = earliestExpiry(room);
      this.forgetIfEmpty(roomId, room);
    }
    return { changes, members };
  }

  async turnOn(roomId: string, uid: string, now: Date): Promise<ChoiceOutcome> {
    return this.choose(roomId, uid, now, (room) => {
      if (room.appearOffline.has(uid)) this.saved?.forgetChoice(roomId, uid);
      room.appearOffline.delete(uid);
      setDevice(room, uid, API_LEASE_DEVICE_ID, now.getTime() + this.options.deviceTtlMs);
    });
  }

  async turnOff(roomId: string, uid: string, now: Date): Promise<ChoiceOutcome> {
    return this.choose(roomId, uid, now, (room) => {
      if (!room.appearOffline.has(uid)) this.saved?.appearOffline(roomId, uid);
      room.appearOffline.add(uid);
      this.dropDevice(room, uid, API_LEASE_DEVICE_ID);
    });
  }

  async holdsState(): Promise<boolean> {
    return this.held;
  }

  async markHoldsState(): Promise<void> {
    this.held = true;
  }

  async roomExists(roomId: string): Promise<boolean> {
    return this.rooms.get(roomId)?.open ?? false;
  }

  async rosterKnown(roomId: string): Promise<boolean> {
    const room = this.rooms.get(roomId);
    return (room?.open ?? false) && room!.rosterKnown;
  }

  async getMember(roomId: string, uid: string, now: Date): Promise<MemberLookup> {
    const room = this.rooms.get(roomId);
    if (!room?.open) return { roomExists: false, rosterKnown: false, member: null, appearOffline: false };
    return {
      roomExists: true,
      rosterKnown: room.rosterKnown,
      member: this.view(room, uid, now.getTime()),
      appearOffline: room.appearOffline.has(uid),
    };
  }

  async listStates(roomId: string, now: Date): Promise<MemberPresence[] | null> {
    const room = this.rooms.get(roomId);
    if (!room?.open) return null;
    const at = now.getTime();
    return [...room.members.keys()].map((uid) => this.view(room, uid, at)!).sort(byNickName);
  }

  async connectedMembers(): Promise<number> {
    let count = 0;
    for (const room of this.rooms.values())
      for (const devices of room.devices.values()) if (devices.size > 0) count += 1;
    return count;
  }

  async membersOn(): Promise<number> {
    return this.onCount;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.rooms.clear();
    this.onCount = 0;
    this.saved?.close();
  }

  private room(roomId: string): RoomRecord {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = {
        open: false,
        rosterKnown: false,
        members: new Map(),
        appearOffline: new Set(),
        devices: new Map(),
        reported: new Map(),
        sweepDueAt: Infinity,
      };
      this.rooms.set(roomId, room);
    }
    return room;
  }

  /** Takes the member off the roster: the change to report, or none if they were not on it. */
  private dropMember(roomId: string, room: RoomRecord, uid: string): PresenceChange | undefined {
    const nickName = room.members.get(uid);
    if (nickName === undefined) return undefined;
    room.members.delete(uid);
    room.untold?.delete(uid);
    room.appearOffline.delete(uid);
    if (room.reported.get(uid) === ON_REPORT) this.onCount -= 1;
    room.reported.delete(uid);
    return { roomId, uid, nickName, state: 'off', mayChat: false, cause: 'membership' };
  }

  private restoreChoices(roomId: string, room: RoomRecord): void {
    const restored = this.choicesToRestore.get(roomId);
    if (!restored) return;
    for (const uid of restored) room.appearOffline.add(uid);
    this.choicesToRestore.delete(roomId);
  }

  private choose(roomId: string, uid: string, now: Date, apply: (room: RoomRecord) => void): ChoiceOutcome {
    const room = this.rooms.get(roomId);
    if (!room?.open) return { outcome: 'unknown-room' };
    if (!room.members.has(uid)) return { outcome: 'not-a-member' };
    apply(room);
    const changes = this.settle(roomId, room, uid, now.getTime(), 'manual');
    return { outcome: 'ok', member: this.view(room, uid, now.getTime())!, changes };
  }

  private view(room: RoomRecord, uid: string, at: number): MemberPresence | null {
    const nickName = room.members.get(uid);
    if (nickName === undefined) return null;
    const mayChat = !room.appearOffline.has(uid);
    const live = [...(room.devices.get(uid)?.values() ?? [])].some((expiresAt) => expiresAt > at);
    return { uid, nickName, state: mayChat && live ? 'on' : 'off', mayChat };
  }

  /** Compares the member's view with what was last reported and records the difference. */
  private settle(
    roomId: string,
    room: RoomRecord,
    uid: string,
    at: number,
    cause: PresenceChangeCause,
  ): PresenceChange[] {
    const view = this.view(room, uid, at);
    if (!view) return [];
    const report = `${view.state}:${view.mayChat}`;
    const before = room.reported.get(uid) ?? DEFAULT_REPORT;
    if (report === before) return [];
    if (report === ON_REPORT) this.onCount += 1;
    else if (before === ON_REPORT) this.onCount -= 1;
    if (report === DEFAULT_REPORT) room.reported.delete(uid);
    else room.reported.set(uid, report);
    return [{ roomId, ...view, cause }];
  }

  private dropDevice(room: RoomRecord, uid: string, deviceId: string): void {
    const devices = room.devices.get(uid);
    if (!devices) return;
    devices.delete(deviceId);
    if (devices.size === 0) room.devices.delete(uid);
  }

  private forgetIfEmpty(roomId: string, room: RoomRecord): void {
    if (!room.open && room.devices.size === 0) this.rooms.delete(roomId);
  }
}

/** Sets a device's expiry (adding the member's map if needed) and keeps `sweepDueAt` a lower bound. */
function setDevice(room: RoomRecord, uid: string, deviceId: string, expiresAt: number): void {
  let devices = room.devices.get(uid);
  if (!devices) room.devices.set(uid, (devices = new Map<string, number>()));
  devices.set(deviceId, expiresAt);
  if (expiresAt < room.sweepDueAt) room.sweepDueAt = expiresAt;
}

/** When the room's first device expires (Infinity without devices). */
function earliestExpiry(room: RoomRecord): number {
  let earliest = Infinity;
  for (const devices of room.devices.values())
    for (const expiresAt of devices.values()) if (expiresAt < earliest) earliest = expiresAt;
  return earliest;
}
