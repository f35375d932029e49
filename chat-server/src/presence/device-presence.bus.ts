import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { makeEvent, type DeviceEvent } from '@playlist-chat/contracts';
import { Clock, EventBus, PeriodicTask } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import { ChatInstance } from '../config/chat-instance';
import { ChatEvents } from '../domain-events/chat-events';
import { DevicePresence, type ChatSession } from './device-presence.port';

type Of<T extends DeviceEvent['type']> = Extract<DeviceEvent, { type: T }>;

/**
 * Heart-beat events in flight at once. All of an instance's users at once (10,000 in the idle
 * bench) kept every event, promise and consumer's work alive together, so V8 promoted them all
 * to the old generation, and the idle heap grew by tens of MB every beat.
 */
const HEARTBEAT_BATCH = 200;

/** A room a session counts for, with the ids of its live subscriptions to the room's topic (none: joined only). */
interface CountedRoom {
  readonly roomId: string;
  readonly subscriptionIds: readonly string[];
}

const NO_SUBSCRIPTIONS: readonly string[] = [];

/**
 * One session as presence sees it. Its rooms are a small array, replaced on change, not a Set and
 * a Map of Sets: a session counts for one room or a few, and at 10,000 idle sessions the hash
 * tables of those three collections were ~500 B of each session's ~14 KB.
 */
interface TrackedSession {
  readonly uid: string;
  readonly sessionId: string;
  rooms: readonly CountedRoom[];
  /** Rooms whose `device-connected` the bus refused: sent again with the next heart-beat (made on first refusal). */
  unannounced?: Set<string>;
}

const roomOf = (tracked: TrackedSession, roomId: string): CountedRoom | undefined =>
  tracked.rooms.find((room) => room.roomId === roomId);

/**
 * DevicePresence for CHAT_PRESENCE=server: device events on `chat.devices` for the presence
 * server. Each start or end of counting is one `device-connected` / `device-disconnected` (the
 * presence server applies the reconnect grace); every CHAT_PRESENCE_HEARTBEAT_MS one
 * `devices-heartbeat` per user with this instance's live sessions and their rooms, so the
 * presence server drops the devices of an instance that died without saying goodbye after its
 * TTL. Device id: `${instance id}:${session id}`. A bus failure is logged, never turned into a
 * failed frame; a refused connect is retried on the next heart-beat.
 */
@Injectable()
export class BusDevicePresence
  extends DevicePresence
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger = new Logger(BusDevicePresence.name);
  private readonly sessions = new Map<string, TrackedSession>();
  private readonly sessionsOfUser = new Map<string, Set<TrackedSession>>();
  private readonly heartbeats: PeriodicTask;

  constructor(
    private readonly bus: EventBus,
    private readonly instance: ChatInstance,
    private readonly clock: Clock,
    private readonly events: ChatEvents,
    config: ChatConfig,
  ) {
    super();
    this.heartbeats = new PeriodicTask({
      name: 'device heart-beat',
      intervalMs: config.chat.presenceHeartbeatMs,
      run: () => this.heartbeat(),
      logger: this.logger,
    });
  }

  onModuleInit(): void {
    // Told on every instance, whichever one served the leave or exit.
    this.events.on('member.departed', ({ uid, roomId, forGood }) =>
      forGood ? this.exited(uid, roomId) : this.left(uid, roomId),
    );
    this.events.on('member.recount', ({ uid, roomId }) => this.recount(uid, roomId));
  }

  onApplicationBootstrap(): void {
    this.heartbeats.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.heartbeats.stop();
  }

  connected(session: ChatSession): void {
    const tracked: TrackedSession = { uid: session.principal.identity.uid, sessionId: session.id, rooms: [] };
    this.sessions.set(session.id, tracked);
    const ofUser = this.sessionsOfUser.get(tracked.uid) ?? new Set<TrackedSession>();
    ofUser.add(tracked);
    this.sessionsOfUser.set(tracked.uid, ofUser);
  }

  /** The session joined the room (`SEND /chat/pub/join`, a member's session only). */
  async joined(session: ChatSession, roomId: string): Promise<void> {
    const tracked = this.sessions.get(session.id);
    if (!tracked) return; // the session already ended: never revive it
    await this.enter(tracked, roomId);
  }

  /** The session subscribed to the room's topic (a member's session, after the membership check). */
  async subscribed(session: ChatSession, roomId: string, subscriptionId: string): Promise<void> {
    const tracked = this.sessions.get(session.id);
    if (!tracked) return;
    const ids = roomOf(tracked, roomId)?.subscriptionIds ?? NO_SUBSCRIPTIONS;
    if (!ids.includes(subscriptionId)) this.setSubscriptions(tracked, roomId, ids.concat(subscriptionId));
    await this.announceConnected(tracked, roomId);
  }

  /** The session unsubscribed from the room's topic: with no other subscription to it left, it stops counting there. */
  async unsubscribed(session: ChatSession, roomId: string, subscriptionId: string): Promise<void> {
    const tracked = this.sessions.get(session.id);
    const ids = tracked && roomOf(tracked, roomId)?.subscriptionIds;
    if (!tracked || !ids?.includes(subscriptionId)) return; // not a subscription counted here
    if (ids.length > 1) {
      this.setSubscriptions(
        tracked,
        roomId,
        ids.filter((id) => id !== subscriptionId),
      );
      return;
    }
    await this.stopCounting(tracked, roomId);
  }

  /**
   * The member left the room for now (`PUT /v1/api/rooms/leave`). Their sessions here that are
   * not subscribed to the room's topic stop counting for it. A session still subscribed shows
   * the room (another tab or device, or this one before its UNSUBSCRIBE arrives) and keeps
   * counting until it unsubscribes: one device going back to the lobby must not turn off the
   * member's other device that still has the room open.
   */
  private async left(uid: string, roomId: string): Promise<void> {
    const idle = [...(this.sessionsOfUser.get(uid) ?? [])].filter(
      (tracked) => !roomOf(tracked, roomId)?.subscriptionIds.length,
    );
    await Promise.all(idle.map((tracked) => this.stopCounting(tracked, roomId)));
  }

  /** The member exited the room for good (or was evicted by the room limit): none of their sessions here counts for it. */
  private async exited(uid: string, roomId: string): Promise<void> {
    const sessions = [...(this.sessionsOfUser.get(uid) ?? [])];
    await Promise.all(sessions.map((tracked) => this.stopCounting(tracked, roomId)));
  }

  /**
   * The presence server lost the room (RosterResync): the member's sessions here that count in
   * it are announced again. A heart-beat cannot bring them back: it only refreshes devices the
   * presence server still knows.
   */
  private async recount(uid: string, roomId: string): Promise<void> {
    const counting = [...(this.sessionsOfUser.get(uid) ?? [])].filter((tracked) => roomOf(tracked, roomId));
    await Promise.all(counting.map((tracked) => this.announceConnected(tracked, roomId)));
  }

  /**
   * The presence store lost everything (`presence.store-reset`): every session here is announced
   * again in every room it counts in. Told here, not through the fan-out as `recount` is: after
   * a Redis restart this instance's fan-out may not be back yet, and what it misses is gone.
   * One that cannot be published now is retried with the next heart-beat (`unannounced`).
   */
  async announceAll(): Promise<void> {
    const announcements: Promise<boolean>[] = [];
    for (const tracked of this.sessions.values())
      for (const { roomId } of tracked.rooms) announcements.push(this.announceConnected(tracked, roomId));
    await Promise.all(announcements);
  }

  async disconnected(session: ChatSession): Promise<void> {
    const tracked = this.sessions.get(session.id);
    if (!tracked) return;
    this.sessions.delete(session.id);
    const ofUser = this.sessionsOfUser.get(tracked.uid);
    ofUser?.delete(tracked);
    if (ofUser?.size === 0) this.sessionsOfUser.delete(tracked.uid);
    const rooms = tracked.rooms;
    tracked.rooms = [];
    tracked.unannounced = undefined;
    await Promise.all(rooms.map(({ roomId }) => this.announceDisconnected(tracked, roomId)));
  }

  /** Rooms at least one session here counts in. */
  countedRooms(): Set<string> {
    const rooms = new Set<string>();
    for (const tracked of this.sessions.values()) for (const { roomId } of tracked.rooms) rooms.add(roomId);
    return rooms;
  }

  /** One event per user: every (device, room) pair of theirs here that the presence server knows is refreshed. */
  async heartbeat(): Promise<void> {
    const byUser = new Map<string, { deviceIds: string[]; roomIds: Set<string> }>();
    const retries: Promise<boolean>[] = [];
    for (const tracked of this.sessions.values()) {
      for (const roomId of tracked.unannounced ?? []) retries.push(this.announceConnected(tracked, roomId));
      if (tracked.rooms.length === 0) continue;
      const entry = byUser.get(tracked.uid) ?? { deviceIds: [], roomIds: new Set<string>() };
      entry.deviceIds.push(this.deviceIdOf(tracked));
      for (const { roomId } of tracked.rooms) entry.roomIds.add(roomId);
      byUser.set(tracked.uid, entry);
    }
    await Promise.all(retries);
    const users = [...byUser];
    for (let from = 0; from < users.length; from += HEARTBEAT_BATCH)
      await Promise.all(
        users
          .slice(from, from + HEARTBEAT_BATCH)
          .map(([uid, { deviceIds, roomIds }]) =>
            this.publish(
              uid,
              makeEvent<Of<'presence.devices-heartbeat'>>(
                'presence.devices-heartbeat',
                { uid, deviceIds, roomIds: [...roomIds] },
                this.clock.now(),
              ),
            ),
          ),
      );
  }

  private async enter(tracked: TrackedSession, roomId: string): Promise<void> {
    if (!roomOf(tracked, roomId)) this.setSubscriptions(tracked, roomId, NO_SUBSCRIPTIONS);
    await this.announceConnected(tracked, roomId);
  }

  /**
   * Counts the session for the room with these subscriptions. A new array each time (`concat`
   * makes it exactly as long as it needs; a `push` into an empty one reserves 17 slots), so one
   * being iterated by an announcement in flight never changes under it.
   */
  private setSubscriptions(
    tracked: TrackedSession,
    roomId: string,
    subscriptionIds: readonly string[],
  ): void {
    const room: CountedRoom = { roomId, subscriptionIds };
    tracked.rooms = tracked.rooms.filter((counted) => counted.roomId !== roomId).concat(room);
  }

  /** The state changes before the first await, so a join or subscribe handled after this one is never undone by it. */
  private async stopCounting(tracked: TrackedSession, roomId: string): Promise<void> {
    if (!roomOf(tracked, roomId)) return;
    tracked.rooms = tracked.rooms.filter((room) => room.roomId !== roomId);
    tracked.unannounced?.delete(roomId);
    await this.announceDisconnected(tracked, roomId);
  }

  private async announceConnected(tracked: TrackedSession, roomId: string): Promise<boolean> {
    const { uid } = tracked;
    const deviceId = this.deviceIdOf(tracked);
    const published = await this.publish(
      roomId,
      makeEvent<Of<'presence.device-connected'>>(
        'presence.device-connected',
        { roomId, uid, deviceId },
        this.clock.now(),
      ),
    );
    // Still counting (no leave or disconnect meanwhile): a refused connect is retried.
    if (published || !roomOf(tracked, roomId)) tracked.unannounced?.delete(roomId);
    else (tracked.unannounced ??= new Set()).add(roomId);
    return published;
  }

  private async announceDisconnected(tracked: TrackedSession, roomId: string): Promise<void> {
    const { uid } = tracked;
    const deviceId = this.deviceIdOf(tracked);
    await this.publish(
      roomId,
      makeEvent<Of<'presence.device-disconnected'>>(
        'presence.device-disconnected',
        { roomId, uid, deviceId },
        this.clock.now(),
      ),
    );
  }

  /** Made when sent, not kept: a kept `${instance}:${session}` string was ~90 B per idle session. */
  private deviceIdOf(tracked: TrackedSession): string {
    return `${this.instance.id}:${tracked.sessionId}`;
  }

  private async publish(key: string, event: DeviceEvent): Promise<boolean> {
    try {
      await this.bus.publish('chat.devices', key, event);
      return true;
    } catch (error) {
      this.logger.error(`publishing ${event.type} (key ${key}) failed: ${String(error)}`);
      return false;
    }
  }
}
