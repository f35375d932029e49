import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ChatMessage, PresenceEvent } from '@playlist-chat/contracts';
import { EventBus, type EventSubscription } from '@playlist-chat/platform';
import { ChatInstance } from '../config/chat-instance';
import { FanoutBridge } from '../delivery/fanout-bridge';
import { BusDevicePresence } from './device-presence.bus';
import { OffMembers } from './off-members';
import { ServerPresenceGate } from './presence-gate.server';
import { RosterResync } from './roster-resync';

/** Consumer group of one chat-server instance (every instance needs every change), stable across its restarts. */
export const presenceGroupOf = (instance: ChatInstance): string => `chat-server:${instance.name}`;

/**
 * Consumes `presence.changes` with a group of this instance's own, so every instance sees
 * every change: it updates this instance's gate (`mayChat`) and hands the change, as a
 * PRESENCE message, to this instance's subscribers of the room, and only those (each
 * instance does the same for its own, so nobody gets it twice). The group starts at the end
 * of the log on every start: what happened before is known from the join lookup, not from
 * replays; it is removed when the instance stops.
 * Delivery is at least once; a repeated PRESENCE says what the client already knows.
 *
 * `presence.store-reset` (the presence store lost its state): the gate forgets every choice it
 * heard, every room a session here counts in is told again (RosterResync), and this instance
 * announces its own sessions again itself (every instance gets the event). Rooms nobody is
 * connected to are told again on their next join or idle clean-up pass.
 */
@Injectable()
export class PresenceRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PresenceRelay.name);
  private subscription: EventSubscription | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly gate: ServerPresenceGate,
    private readonly offMembers: OffMembers,
    private readonly bridge: FanoutBridge,
    private readonly instance: ChatInstance,
    private readonly devices: BusDevicePresence,
    private readonly resync: RosterResync,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe(
      'presence.changes',
      presenceGroupOf(this.instance),
      (event) => this.relay(event),
      // Its own group: starts at the end on every start, removed when the instance stops.
      { perInstance: true },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }

  async relay(event: PresenceEvent): Promise<void> {
    if (event.version === 1 && event.type === 'presence.store-reset') {
      this.gate.forgetAll();
      this.resync.afterStoreReset(this.devices.countedRooms());
      await this.devices.announceAll();
      return;
    }
    if (event.version !== 1 || event.type !== 'presence.changed') {
      this.logger.warn(`ignoring event ${String(event.type)} v${String(event.version)}`);
      return;
    }
    const { roomId, uid, nickName, state, mayChat } = event.payload;
    // Producers older than `mayChat` leave it out: the gate keeps what it knew.
    if (typeof mayChat === 'boolean') this.gate.learn(roomId, uid, mayChat);
    this.offMembers.forget(roomId);
    const message: ChatMessage = {
      type: 'PRESENCE',
      roomId,
      messageId: null,
      clientMessageId: null,
      sender: { uid, nickName, profileImage: null },
      content: '',
      createdAt: event.occurredAt,
      state,
    };
    this.bridge.deliverToLocalRoom(message);
  }
}
