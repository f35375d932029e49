import { Injectable } from '@nestjs/common';
import { Clock } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import type { OutboundMessage } from '@playlist-chat/stomp';
import { FanoutBridge } from '../delivery/fanout-bridge';
import { ChatError } from '../errors/chat-error';
import { MESSAGE_ID_PATTERN } from '../ids/message-id';
import { DevicePresence, type ChatSession } from '../presence/device-presence.port';
import { PresenceGate } from '../presence/presence-gate.port';
import { MembershipService, profileOf } from '../rooms/membership.service';
import { RoomAccess } from '../rooms/room-access';
import { ActionLimit } from '../throttling/rate-limiter';
import { RoomReplay } from './room-replay';

/** What a STOMP session does in rooms: its life, joining a room, showing (subscribing to) one. */
@Injectable()
export class RoomSessions {
  /** Each replay reads up to CHAT_REPLAY_MAX_MESSAGES lines: a SUBSCRIBE/UNSUBSCRIBE loop must not repeat it at will. */
  private readonly replayLimit: ActionLimit;

  constructor(
    private readonly membership: MembershipService,
    private readonly access: RoomAccess,
    private readonly bridge: FanoutBridge,
    private readonly devices: DevicePresence,
    private readonly presence: PresenceGate,
    private readonly replay: RoomReplay,
    private readonly clock: Clock,
    config: ChatConfig,
  ) {
    const { replayRateLimit, replayRateWindowSeconds } = config.chat;
    this.replayLimit = new ActionLimit(clock, 'replays', replayRateLimit, replayRateWindowSeconds);
  }

  /** A session opened here: it counts as a device, and its user's personal events reach this instance. */
  async connected(session: ChatSession): Promise<void> {
    this.devices.connected(session);
    await this.bridge.userConnected(session.principal.identity.uid);
  }

  async disconnected(session: ChatSession): Promise<void> {
    await this.devices.disconnected(session);
    await this.bridge.userDisconnected(session.principal.identity.uid);
  }

  /**
   * Joins the room (ENTER line; idempotent); the session then counts as a device in the room,
   * and the user gets a `presence-status` event (may I chat here?) before the frame is answered.
   */
  async join(session: ChatSession, roomId: string): Promise<void> {
    const identity = session.principal.identity;
    await this.membership.joinAsUser(roomId, profileOf(identity));
    await this.devices.joined(session, roomId);
    const { mayChat, source } = await this.presence.checkOnJoin(roomId, identity.uid);
    this.bridge.deliverToLocalUser(identity.uid, {
      type: 'presence-status',
      roomId,
      mayChat,
      source,
      at: this.clock.now().toISOString(),
    });
  }

  /**
   * Members only. With `lastMessageId`, what was committed after it is returned for replay
   * before live messages (at most CHAT_REPLAY_RATE_LIMIT such SUBSCRIBEs per user and window); the fan-out is live before the store is read, and the broker drops
   * live copies of replayed ids, so there is no gap and no duplicate. The session counts as a
   * device in the room until it unsubscribes.
   */
  async subscribe(
    session: ChatSession,
    roomId: string,
    subscriptionId: string,
    lastMessageId: string | undefined,
  ): Promise<OutboundMessage[] | undefined> {
    if (lastMessageId !== undefined && !MESSAGE_ID_PATTERN.test(lastMessageId)) {
      const reason = 'last-message-id must be a message id (26 hex digits)';
      throw new ChatError('invalid-payload', reason, [{ field: 'last-message-id', reason }]);
    }
    await this.access.member(roomId, session.principal.identity.uid);
    if (lastMessageId !== undefined) this.replayLimit.take(session.principal.identity.uid);
    await this.bridge.ensureRoom(roomId);
    await this.devices.subscribed(session, roomId, subscriptionId);
    if (lastMessageId === undefined) return undefined;
    return this.replay.framesAfter(roomId, lastMessageId);
  }

  /** Leaving the room view: without another subscription to the room, the session stops counting there. */
  unsubscribed(session: ChatSession, roomId: string, subscriptionId: string): Promise<void> {
    return this.devices.unsubscribed(session, roomId, subscriptionId);
  }
}
