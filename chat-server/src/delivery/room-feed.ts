import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { ChatMessage, MessageSender, StoredMessageType } from '@playlist-chat/contracts';
import { Clock, KeyedSerialQueue, RecentMap, SpanKind, withSpan } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import { MessageIdGenerator } from '../ids/message-id';
import { RoomStore } from '../room-store/room-store.port';
import { toChatMessage } from '../message-store/chat-message.mapper';
import { FanoutBridge } from './fanout-bridge';
import { MessageStore, type AppendResult } from '../message-store/message-store.port';

/**
 * A room's last activity is written at most this often per instance. Idle clean-up never
 * closes a room that has chat lines and counts in minutes (ROOM_IDLE_MINUTES), so a write per
 * line bought nothing but a third write on every line.
 */
const TOUCH_EVERY_MS = 60_000;
/** Rooms whose last write this instance remembers; a forgotten room is simply written again. */
const MAX_TOUCHED_ROOMS = 10_000;

export interface NewMessage {
  readonly roomId: string;
  readonly type: StoredMessageType;
  readonly sender: MessageSender;
  readonly content: string;
  readonly clientMessageId: string | null;
}

/**
 * The one way a message enters a room. Each room's messages go through a serial queue:
 * id → durable append (the store decides the line's place and final id) → broadcast with that
 * place, one at a time; every instance hands the room's lines on in that order
 * (`RoomSequencer`), so subscribers see the commit order, the same as history. A resend of a stored clientMessageId returns the
 * stored message and broadcasts nothing, so it is delivered once.
 */
@Injectable()
export class RoomFeed implements BeforeApplicationShutdown {
  private readonly logger = new Logger(RoomFeed.name);
  private readonly queue = new KeyedSerialQueue();
  private readonly touchedAt = new RecentMap<string, number>(MAX_TOUCHED_ROOMS);

  constructor(
    private readonly messages: MessageStore,
    private readonly rooms: RoomStore,
    private readonly bridge: FanoutBridge,
    private readonly ids: MessageIdGenerator,
    private readonly clock: Clock,
    private readonly config: ChatConfig,
  ) {}

  post(message: NewMessage): Promise<AppendResult> {
    return this.queue.run(message.roomId, async () => {
      const createdAt = this.clock.now();
      const result = await withSpan(
        'message store append',
        {
          kind: SpanKind.CLIENT,
          attributes: { 'db.operation.name': 'append', 'chat.message.type': message.type },
        },
        () => this.messages.append({ ...message, messageId: this.ids.next(), createdAt }),
      );
      if (result.duplicate) return result;
      this.ids.observe(result.message.messageId);
      await this.touch(message.roomId, createdAt);
      await this.broadcast(toChatMessage(result.message), result.seq);
      return result;
    });
  }

  /** TYPING, READ and other events that are not stored: same room order, no id. */
  emit(message: ChatMessage): Promise<void> {
    return this.queue.run(message.roomId, () => this.broadcast(message));
  }

  /** On shutdown, lines already accepted are committed and broadcast before the stores close (bounded by CHAT_SHUTDOWN_GRACE_MS). */
  async beforeApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), this.config.chat.shutdownGraceMs)),
    );
    const outcome = await Promise.race([this.queue.drain().then(() => 'drained' as const), grace]);
    clearTimeout(timer);
    if (outcome === 'timeout')
      this.logger.warn(`shutdown: sends still in flight after ${this.config.chat.shutdownGraceMs} ms`);
  }

  private async touch(roomId: string, at: Date): Promise<void> {
    const last = this.touchedAt.get(roomId);
    if (last !== undefined && at.getTime() - last < TOUCH_EVERY_MS) return;
    await this.rooms.touch(roomId, at);
    this.touchedAt.set(roomId, at.getTime());
  }

  private async broadcast(message: ChatMessage, seq?: number): Promise<void> {
    try {
      await this.bridge.publishToRoom(message, seq);
    } catch (error) {
      // The message is committed: subscribers that missed it get it on resubscribe with last-message-id.
      this.logger.error(`broadcast to room ${message.roomId} failed: ${String(error)}`);
    }
  }
}
