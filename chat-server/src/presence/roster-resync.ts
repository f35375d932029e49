import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { makeEvent, type RoomEvent } from '@playlist-chat/contracts';
import { Clock, EventBus, RecentMap } from '@playlist-chat/platform';
import { FanoutBridge } from '../delivery/fanout-bridge';
import { RoomStore } from '../room-store/room-store.port';

/**
 * One instance tells a room again at most this often, until the presence server answers that it
 * knows the room again (`known`): a burst of joins to it asks once.
 */
const RESYNC_EVERY_MS = 30_000;
/** Rooms whose last resync this instance remembers. */
const MAX_ROOMS = 10_000;

/**
 * Tells the presence server a live room again after it answered that it does not know it, or
 * not whole: it lost its state (a Redis that came back without its data), or kept only what it
 * saved (the single node's memory store after a restart: rosters that may miss a lost leave).
 * The room-opening events are long gone from the log, and a member's join again changes
 * nothing here, so without this the room stayed unknown to presence for good: 404 on its lists
 * and on "appear offline", no push for members who are off.
 *
 * Every member goes out again as `room.member-joined` on `chat.rooms` (idempotent there: it
 * opens the room and adds or renames the member), and every instance where a member is
 * connected announces that member's sessions in the room again (`member.recount` through the
 * fan-out), so who is on comes back along with who is in. The "appear offline" choices are the
 * presence server's alone: the single node's memory store saves them (and the rosters) in a
 * file; a Redis that lost its data lost them, and those members are on again until they choose.
 *
 * Rooms are told one at a time: after a `presence.store-reset` every room with a session here
 * is asked for at once, and they queue instead of all reading the store and publishing together.
 */
@Injectable()
export class RosterResync implements OnModuleDestroy {
  private readonly logger = new Logger(RosterResync.name);
  private readonly resyncedAt = new RecentMap<string, number>(MAX_ROOMS);
  private readonly queued = new Set<string>();
  private draining = false;
  private stopped = false;

  constructor(
    private readonly rooms: RoomStore,
    private readonly bus: EventBus,
    private readonly bridge: FanoutBridge,
    private readonly clock: Clock,
  ) {}

  onModuleDestroy(): void {
    this.stopped = true;
    this.queued.clear();
  }

  /** Queues the room to be told again (unless this instance did within RESYNC_EVERY_MS); does not wait for it. */
  request(roomId: string): void {
    const now = this.clock.now().getTime();
    const last = this.resyncedAt.get(roomId);
    if (this.stopped || (last !== undefined && now - last < RESYNC_EVERY_MS)) return;
    this.resyncedAt.set(roomId, now);
    this.queued.add(roomId);
    if (!this.draining) void this.drain();
  }

  /**
   * The presence server answered that it knows the room, roster and all: a later loss is a new
   * one, told again at once. Without this, a resync a moment before (a join lookup that raced the
   * room's opening event, at its creation) held off the one a real loss needs for RESYNC_EVERY_MS.
   */
  known(roomId: string): void {
    if (!this.queued.has(roomId)) this.resyncedAt.delete(roomId);
  }

  /**
   * The presence store lost everything (`presence.store-reset`): what this instance told it
   * before, however recently, went with it, so each room is told again whatever the throttle says.
   */
  afterStoreReset(roomIds: Iterable<string>): void {
    this.resyncedAt.clear();
    for (const roomId of roomIds) this.request(roomId);
  }

  /** A Set iterates what is added while it runs, so one loop empties the queue. */
  private async drain(): Promise<void> {
    this.draining = true;
    for (const roomId of this.queued) {
      this.queued.delete(roomId);
      try {
        await this.resync(roomId);
      } catch (error) {
        this.resyncedAt.delete(roomId); // the next answer that the room is unknown tries again
        this.logger.error(`telling the presence server room ${roomId} again failed: ${String(error)}`);
      }
    }
    this.draining = false;
  }

  private async resync(roomId: string): Promise<void> {
    const room = await this.rooms.get(roomId);
    if (!room || room.closedAt) return;
    const members = Object.values(room.users);
    this.logger.warn(
      `the presence server did not know live room ${roomId}: telling it the room's ${members.length} members again`,
    );
    for (const { uid, nickName, profileImage } of members) {
      const event = makeEvent<Extract<RoomEvent, { type: 'room.member-joined' }>>(
        'room.member-joined',
        { roomId, member: { uid, nickName, profileImage } },
        this.clock.now(),
      );
      await this.bus.publish('chat.rooms', roomId, event);
      await this.bridge.recountEverywhere(uid, roomId);
    }
    await this.bus.publish(
      'chat.rooms',
      roomId,
      makeEvent<Extract<RoomEvent, { type: 'room.roster-resent' }>>(
        'room.roster-resent',
        { roomId },
        this.clock.now(),
      ),
    );
  }
}
