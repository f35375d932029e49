import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { DeviceEvent, RoomEvent } from '@playlist-chat/contracts';
import { Clock, EventBus, withSpan, type EventSubscription } from '@playlist-chat/platform';
import { PresenceAnnouncer } from './presence-announcer';
import type { PresenceChange } from './presence.model';
import { PresenceStore } from './presence-store.port';

export const PRESENCE_GROUP = 'presence-server';

/**
 * Keeps the store in step with the chat server: room lifecycle and roster from `chat.rooms`,
 * devices from `chat.devices`. Delivery is at-least-once and the two topics are not ordered
 * with each other, so every handler is idempotent and order-tolerant (the store keeps early
 * devices of members not on the roster yet). A handler that throws is retried by the bus.
 */
@Injectable()
export class PresenceEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PresenceEventsConsumer.name);
  private subscriptions: EventSubscription[] = [];

  constructor(
    private readonly bus: EventBus,
    private readonly store: PresenceStore,
    private readonly announcer: PresenceAnnouncer,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscriptions = [
      await this.bus.subscribe('chat.rooms', PRESENCE_GROUP, (event) =>
        applySpan(event.type, () => this.onRoomEvent(event)),
      ),
      await this.bus.subscribe('chat.devices', PRESENCE_GROUP, (event) =>
        applySpan(event.type, () => this.onDeviceEvent(event)),
      ),
    ];
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((subscription) => subscription.close()));
  }

  async onRoomEvent(event: RoomEvent): Promise<void> {
    if (!this.understands(event)) return;
    const now = this.clock.now();
    switch (event.type) {
      case 'room.opened': {
        const { roomId, owner } = event.payload;
        return this.announce(
          await this.store.openRoom(roomId, { uid: owner.uid, nickName: owner.nickName }, now),
        );
      }
      case 'room.member-joined': {
        const { roomId, member } = event.payload;
        return this.announce(
          await this.store.addMember(roomId, { uid: member.uid, nickName: member.nickName }, now),
        );
      }
      case 'room.member-exited':
        return this.announce(await this.store.removeMember(event.payload.roomId, event.payload.uid, now));
      case 'room.closed':
        return this.store.closeRoom(event.payload.roomId);
      case 'room.roster-resent':
        return this.store.markRosterKnown(event.payload.roomId);
    }
  }

  async onDeviceEvent(event: DeviceEvent): Promise<void> {
    if (!this.understands(event)) return;
    const now = this.clock.now();
    switch (event.type) {
      case 'presence.device-connected': {
        const { roomId, uid, deviceId } = event.payload;
        return this.announce(await this.store.connectDevice(roomId, uid, deviceId, now));
      }
      case 'presence.device-disconnected': {
        const { roomId, uid, deviceId } = event.payload;
        return this.announce(await this.store.disconnectDevice(roomId, uid, deviceId, now));
      }
      case 'presence.devices-heartbeat': {
        const { uid, deviceIds, roomIds } = event.payload;
        return this.announce(await this.store.refreshDevices(uid, deviceIds, roomIds, now));
      }
    }
  }

  /** Newer versions (and types this build does not know) are skipped, not failed: the contract says consumers ignore them. */
  private understands(event: RoomEvent | DeviceEvent): boolean {
    const known = event.version === 1 && knownTypes.has(event.type);
    if (!known) this.logger.warn(`ignoring event ${String(event.type)} v${String(event.version)}`);
    return known;
  }

  private announce(changes: readonly PresenceChange[]): Promise<void> {
    return this.announcer.announce(changes);
  }
}

/** `presence apply <event type>`: the store update (and announcements) of one event, inside the bus's process span. */
function applySpan(type: string, work: () => Promise<void>): Promise<void> {
  return withSpan(`presence apply ${type}`, { attributes: { 'presence.event': type } }, work);
}

const knownTypes = new Set<string>([
  'room.opened',
  'room.member-joined',
  'room.member-exited',
  'room.closed',
  'room.roster-resent',
  'presence.device-connected',
  'presence.device-disconnected',
  'presence.devices-heartbeat',
] satisfies (RoomEvent | DeviceEvent)['type'][]);
