import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { makeEvent, type DeviceEvent } from '@playlist-chat/contracts';
import { Clock, EventBus } from '@playlist-chat/platform';
import type { StompSession } from '@playlist-chat/stomp';
import { ChatConfig } from '../app/chat-config';
import { ChatInstance } from '../app/chat-instance';
import type { ChatPrincipal } from '../auth/chat-principal';

type Of<T extends DeviceEvent['type']> = Extract<DeviceEvent, { type: T }>;

interface TrackedSession {
  readonly uid: string;
  readonly deviceId: string;
  /** Rooms the session joined or subscribed to, in this session. */
  readonly rooms: Set<string>;
  /** Rooms whose `device-connected` the bus refused: sent again with the next heart-beat. */
  readonly unannounced: Set<string>;
}

/**
 * Tells the presence server which STOMP sessions (devices) are live in which rooms, on
 * `chat.devices` (docs/presence.md, "What the chat server should do"):
 * - a session counts for a room from its first `SEND /chat/pub/join` or room SUBSCRIBE
 *   (`device-connected`) until the session ends (`device-disconnected`; the presence server
 *   applies the reconnect grace). Unsubscribing does not end it: the STOMP library has no
 *   UNSUBSCRIBE hook, and the heart-beats keep such a session on like any other;
 * - every CHAT_PRESENCE_HEARTBEAT_MS, one `devices-heartbeat` per user with this instance's
 *   live sessions and their rooms, so the presence server drops the devices of an instance
 *   that died without saying goodbye after its TTL.
 * Device id: `${instance id}:${session id}`. A bus failure is logged, never turned into a
 * failed frame; a refused connect is retried on the next heart-beat.
 */
@Injectable()
export class DevicePresence implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DevicePresence.name);
  private readonly sessions = new Map<string, TrackedSession>();
  private readonly enabled: boolean;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly instance: ChatInstance,
    private readonly clock: Clock,
    private readonly config: ChatConfig,
  ) {
    this.enabled = config.chat.presence === 'server';
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => void this.heartbeat(), this.config.chat.presenceHeartbeatMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  connected(session: StompSession<ChatPrincipal>): void {
    if (!this.enabled) return;
    this.sessions.set(session.id, {
      uid: session.principal.identity.uid,
      deviceId: `${this.instance.id}:${session.id}`,
      rooms: new Set(),
      unannounced: new Set(),
    });
  }

  /** The session joined or subscribed to the room (a member's session only). */
  async entered(session: StompSession<ChatPrincipal>, roomId: string): Promise<void> {
    const tracked = this.sessions.get(session.id);
    if (!tracked) return; // presence is off, or the session already ended: never revive it
    tracked.rooms.add(roomId);
    await this.announceConnected(tracked, roomId);
  }

  async disconnected(session: StompSession<ChatPrincipal>): Promise<void> {
    const tracked = this.sessions.get(session.id);
    if (!tracked) return;
    this.sessions.delete(session.id);
    const { uid, deviceId } = tracked;
    await Promise.all(
      [...tracked.rooms].map((roomId) =>
        this.publish(
          roomId,
          makeEvent<Of<'presence.device-disconnected'>>(
            'presence.device-disconnected',
            { roomId, uid, deviceId },
            this.clock.now(),
          ),
        ),
      ),
    );
  }

  /** One event per user: every (device, room) pair of theirs here that the presence server knows is refreshed. */
  async heartbeat(): Promise<void> {
    const byUser = new Map<string, { deviceIds: string[]; roomIds: Set<string> }>();
    const retries: Promise<boolean>[] = [];
    for (const tracked of this.sessions.values()) {
      for (const roomId of tracked.unannounced) retries.push(this.announceConnected(tracked, roomId));
      if (tracked.rooms.size === 0) continue;
      const entry = byUser.get(tracked.uid) ?? { deviceIds: [], roomIds: new Set<string>() };
      entry.deviceIds.push(tracked.deviceId);
      for (const roomId of tracked.rooms) entry.roomIds.add(roomId);
      byUser.set(tracked.uid, entry);
    }
    await Promise.all(retries);
    await Promise.all(
      [...byUser].map(([uid, { deviceIds, roomIds }]) =>
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

  private async announceConnected(tracked: TrackedSession, roomId: string): Promise<boolean> {
    const { uid, deviceId } = tracked;
    const published = await this.publish(
      roomId,
      makeEvent<Of<'presence.device-connected'>>(
        'presence.device-connected',
        { roomId, uid, deviceId },
        this.clock.now(),
      ),
    );
    if (published) tracked.unannounced.delete(roomId);
    else tracked.unannounced.add(roomId);
    return published;
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
