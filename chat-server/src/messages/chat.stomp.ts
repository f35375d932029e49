import { Injectable } from '@nestjs/common';
import type { ClassConstructor } from 'class-transformer';
import { Clock } from '@playlist-chat/platform';
import {
  OnConnect,
  OnDisconnect,
  OnSend,
  OnSubscribe,
  OnUnsubscribe,
  StompController,
  type OutboundMessage,
  type SendContext,
  type StompSession,
  type SubscribeContext,
  type SubscribeResult,
  type UnsubscribeContext,
} from '@playlist-chat/stomp';
import { ChatConfig } from '../app/chat-config';
import type { ChatPrincipal } from '../auth/chat-principal';
import { ChatError } from '../errors/chat-error';
import { parsePayload } from '../errors/payload';
import { stompCall } from '../errors/stomp-errors';
import { MESSAGE_ID_PATTERN } from '../ids/message-id';
import { DevicePresence } from '../presence/device-presence';
import { PresenceGate } from '../presence/presence-gate.port';
import { MembershipService, profileOf } from '../rooms/membership.service';
import { RoomAccess } from '../rooms/room-access';
import { toChatMessage } from './chat-message.mapper';
import { ChatService } from './chat.service';
import { ReadDto, RoomRefDto, SendMessageDto } from './dto/message-payloads.dto';
import { FanoutBridge } from './fanout-bridge';

/** A SEND's payload check, run before COMMIT runs any frame of a transaction (so a COMMIT is refused whole). */
function payloadOf(dto: ClassConstructor<object>): (ctx: SendContext) => Promise<unknown> {
  return (ctx) => stompCall(() => parsePayload(dto, ctx.json()));
}

/**
 * The STOMP API (docs/api.md). A RECEIPT means the work is done: for `send`, the line is
 * committed. Refusals are ERROR frames with a catalogue code; the library then closes that
 * connection (STOMP 1.2) and every other session carries on.
 */
@StompController()
@Injectable()
export class ChatStompHandlers {
  constructor(
    private readonly chat: ChatService,
    private readonly membership: MembershipService,
    private readonly access: RoomAccess,
    private readonly bridge: FanoutBridge,
    private readonly devices: DevicePresence,
    private readonly presence: PresenceGate,
    private readonly clock: Clock,
    private readonly config: ChatConfig,
  ) {}

  @OnConnect()
  async connected(session: StompSession<ChatPrincipal>): Promise<void> {
    this.devices.connected(session);
    await this.bridge.userConnected(session.principal.identity.uid);
  }

  @OnDisconnect()
  async disconnected(session: StompSession<ChatPrincipal>): Promise<void> {
    await this.devices.disconnected(session);
    await this.bridge.userDisconnected(session.principal.identity.uid);
  }

  /**
   * `{ roomId }`: join (ENTER line to the room; idempotent). The session then counts as a
   * device in the room, and the user gets a `presence-status` event (may I chat here?) before
   * the RECEIPT.
   */
  @OnSend('/chat/pub/join', { validate: payloadOf(RoomRefDto) })
  join(ctx: SendContext<ChatPrincipal>): Promise<void> {
    return stompCall(async () => {
      const { roomId } = await parsePayload(RoomRefDto, ctx.json());
      const identity = ctx.session.principal.identity;
      await this.membership.joinAsUser(roomId, profileOf(identity));
      await this.devices.joined(ctx.session, roomId);
      const { mayChat, source } = await this.presence.checkOnJoin(roomId, identity.uid);
      this.bridge.deliverToLocalUser(identity.uid, {
        type: 'presence-status',
        roomId,
        mayChat,
        source,
        at: this.clock.now().toISOString(),
      });
    });
  }

  /** `{ roomId, clientMessageId, content }`: RECEIPT once committed. */
  @OnSend('/chat/pub/send', { validate: payloadOf(SendMessageDto) })
  send(ctx: SendContext<ChatPrincipal>): Promise<void> {
    return stompCall(async () => {
      const dto = await parsePayload(SendMessageDto, ctx.json());
      await this.chat.send(ctx.session.principal.identity, dto);
    });
  }

  /** `{ roomId }`: ephemeral TYPING to the room, throttled. */
  @OnSend('/chat/pub/typing', { validate: payloadOf(RoomRefDto) })
  typing(ctx: SendContext<ChatPrincipal>): Promise<void> {
    return stompCall(async () => {
      const { roomId } = await parsePayload(RoomRefDto, ctx.json());
      await this.chat.typing(ctx.session.principal.identity, roomId);
    });
  }

  /** `{ roomId, messageId }`: saves the read position and sends READ to the room. */
  @OnSend('/chat/pub/read', { validate: payloadOf(ReadDto) })
  read(ctx: SendContext<ChatPrincipal>): Promise<void> {
    return stompCall(async () => {
      const { roomId, messageId } = await parsePayload(ReadDto, ctx.json());
      await this.chat.read(ctx.session.principal.identity, roomId, messageId);
    });
  }

  /**
   * Members only. With header `last-message-id`, what was committed after it is replayed in
   * order before live messages; the fan-out is live before the store is read, and the broker
   * drops live copies of replayed ids, so there is no gap and no duplicate. Like a join, a
   * subscription makes the session count as a device in the room (until it unsubscribes).
   */
  @OnSubscribe('/chat/topic/room/{roomId}')
  subscribe(ctx: SubscribeContext<ChatPrincipal>): Promise<SubscribeResult | void> {
    return stompCall(async () => {
      const roomId = ctx.params.roomId;
      const lastMessageId = ctx.headers['last-message-id'];
      if (lastMessageId !== undefined && !MESSAGE_ID_PATTERN.test(lastMessageId)) {
        const reason = 'last-message-id must be a message id (26 hex digits)';
        throw new ChatError('invalid-payload', reason, [{ field: 'last-message-id', reason }]);
      }
      await this.access.member(roomId, ctx.session.principal.identity.uid);
      await this.bridge.ensureRoom(roomId);
      await this.devices.subscribed(ctx.session, roomId, ctx.subscriptionId);
      if (lastMessageId === undefined) return;
      const { items, more } = await this.chat.collectAfter(
        roomId,
        lastMessageId,
        this.config.chat.replayMaxMessages,
      );
      const replay: OutboundMessage[] = items.map((message, index) => {
        const outbound: OutboundMessage = {
          body: JSON.stringify(toChatMessage(message)),
          sequence: message.messageId,
        };
        // Beyond the replay limit the client pages the rest from history; the last replayed line says so.
        if (more && index === items.length - 1) outbound.headers = { 'replay-truncated': 'true' };
        return outbound;
      });
      return { replay };
    });
  }

  /** Leaving the room view: without another subscription to the room, the session stops counting there. */
  @OnUnsubscribe('/chat/topic/room/{roomId}')
  unsubscribed(ctx: UnsubscribeContext<ChatPrincipal>): Promise<void> {
    return this.devices.unsubscribed(ctx.session, ctx.params.roomId, ctx.subscriptionId);
  }
}
