import { Injectable } from '@nestjs/common';
import type { ClassConstructor } from 'class-transformer';
import {
  OnConnect,
  OnDisconnect,
  OnSend,
  OnSubscribe,
  OnUnsubscribe,
  StompController,
  type SendContext,
  type SubscribeContext,
  type SubscribeResult,
  type UnsubscribeContext,
} from '@playlist-chat/stomp';
import type { Identity } from '@playlist-chat/platform';
import type { ChatPrincipal } from '../auth/chat-principal';
import { parsePayload } from '../errors/payload';
import type { ChatSession } from '../presence/device-presence.port';
import { ChatService } from './chat.service';
import { ReadDto, RoomRefDto, SendMessageDto } from './dto/message-payloads.dto';
import { RoomSessions } from './room-sessions';
import { SendMetrics } from './send-metrics';

/**
 * A SEND's validator: parses its payload before the handler runs. In a transaction it also runs
 * `check`, what the use case would refuse before changing anything (content length, membership):
 * COMMIT runs every frame's validator before any handler, so such a frame refuses the COMMIT
 * whole. Outside a transaction the handler runs right after and checks the same itself, so a
 * plain SEND reads the room store once, not twice. `this` is the controller (the library's call).
 */
function payloadOf<T extends object>(
  dto: ClassConstructor<T>,
  check?: (chat: ChatService, caller: Identity, payload: T) => Promise<void>,
) {
  return async function validate(this: ChatStompHandlers, ctx: SendContext): Promise<T> {
    const payload = await parsePayload(dto, ctx.json());
    if (check && ctx.headers.transaction !== undefined) {
      await check(this.chat, (ctx.session.principal as ChatPrincipal).identity, payload);
    }
    return payload;
  };
}

const linePayload = payloadOf(SendMessageDto, (chat, caller, line) => chat.checkSend(caller, line));

/**
 * The STOMP API (docs/api.md): each handler takes its parsed payload and calls one use case.
 * A RECEIPT means the work is done: for `send`, the line is committed. Refusals leave through
 * `ChatStompExceptionFilter` as ERROR frames with a catalogue code; the library then closes that
 * connection (STOMP 1.2) and every other session carries on.
 */
@StompController()
@Injectable()
export class ChatStompHandlers {
  constructor(
    /** Also read by the validators (`payloadOf`), which run with the controller as `this`. */
    readonly chat: ChatService,
    readonly sendMetrics: SendMetrics,
    private readonly sessions: RoomSessions,
  ) {}

  @OnConnect()
  connected(session: ChatSession): Promise<void> {
    return this.sessions.connected(session);
  }

  @OnDisconnect()
  disconnected(session: ChatSession): Promise<void> {
    return this.sessions.disconnected(session);
  }

  /** `{ roomId }`: join (ENTER line; idempotent); a `presence-status` event comes before the RECEIPT. */
  @OnSend('/chat/pub/join', { validate: payloadOf(RoomRefDto) })
  join(ctx: SendContext<ChatPrincipal>): Promise<void> {
    const { roomId } = ctx.payload as RoomRefDto;
    return this.sessions.join(ctx.session, roomId);
  }

  /** `{ roomId, clientMessageId, content }`: RECEIPT once committed. A refused payload counts as a refused line. */
  @OnSend('/chat/pub/send', {
    validate: async function (this: ChatStompHandlers, ctx: SendContext): Promise<SendMessageDto> {
      return this.sendMetrics.measureRefusal(() => linePayload.call(this, ctx));
    },
  })
  async send(ctx: SendContext<ChatPrincipal>): Promise<void> {
    await this.chat.send(ctx.session.principal.identity, ctx.payload as SendMessageDto);
  }

  /** `{ roomId }`: ephemeral TYPING to the room, throttled. */
  @OnSend('/chat/pub/typing', {
    validate: payloadOf(RoomRefDto, (chat, caller, { roomId }) => chat.checkRoomEvent(caller, roomId)),
  })
  typing(ctx: SendContext<ChatPrincipal>): Promise<void> {
    const { roomId } = ctx.payload as RoomRefDto;
    return this.chat.typing(ctx.session.principal.identity, roomId);
  }

  /** `{ roomId, messageId }`: saves the read position and sends READ to the room. */
  @OnSend('/chat/pub/read', {
    validate: payloadOf(ReadDto, (chat, caller, read) =>
      chat.checkRoomEvent(caller, read.roomId, read.messageId),
    ),
  })
  read(ctx: SendContext<ChatPrincipal>): Promise<void> {
    const { roomId, messageId } = ctx.payload as ReadDto;
    return this.chat.read(ctx.session.principal.identity, roomId, messageId);
  }

  /** Members only; header `last-message-id` replays what was committed after it, before live messages. */
  @OnSubscribe('/chat/topic/room/{roomId}')
  async subscribe(ctx: SubscribeContext<ChatPrincipal>): Promise<SubscribeResult | void> {
    const replay = await this.sessions.subscribe(
      ctx.session,
      ctx.params.roomId,
      ctx.subscriptionId,
      ctx.headers['last-message-id'],
    );
    return replay && { replay };
  }

  /** Leaving the room view: without another subscription to the room, the session stops counting there. */
  @OnUnsubscribe('/chat/topic/room/{roomId}')
  unsubscribed(ctx: UnsubscribeContext<ChatPrincipal>): Promise<void> {
    return this.sessions.unsubscribed(ctx.session, ctx.params.roomId, ctx.subscriptionId);
  }
}
