import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ChatMessage } from '@playlist-chat/contracts';
import { Clock, codePointLength, type Identity } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import { ChatEvents } from '../domain-events/chat-events';
import { ChatError } from '../errors/chat-error';
import { PresenceGate } from '../presence/presence-gate.port';
import { profileOf } from '../rooms/membership.service';
import { nowPlaying } from '../rooms/now-playing';
import { RoomAccess } from '../rooms/room-access';
import { RoomStore } from '../room-store/room-store.port';
import { toChatMessage } from '../message-store/chat-message.mapper';
import type { HistoryQuery, SearchQuery } from './dto/history-query.dto';
import type { FullHistoryView, MessagePageView, ReentryView } from './dto/message.views';
import type { SendMessageDto } from './dto/message-payloads.dto';
import { MessageStore } from '../message-store/message-store.port';
import { maxSearchTerms, parseSearchTerms } from '../message-store/search-terms';
import { RoomFeed } from '../delivery/room-feed';
import { ActionLimit } from '../throttling/rate-limiter';
import { TypingThrottle } from '../throttling/typing-throttle';
import { ReadReceipts } from './read-receipts';
import { RoomReplay } from './room-replay';
import { SendMetrics } from './send-metrics';

/** Chat lines, typing, read receipts and reading back: the rules of SPEC "Real-time", for STOMP and REST alike. */
@Injectable()
export class ChatService implements OnModuleDestroy {
  private readonly sendLimit: ActionLimit;
  private readonly readReceipts: ReadReceipts;
  private readonly searchLimit: ActionLimit;
  private readonly typingThrottle: TypingThrottle;

  constructor(
    private readonly config: ChatConfig,
    private readonly access: RoomAccess,
    private readonly rooms: RoomStore,
    private readonly messages: MessageStore,
    private readonly feed: RoomFeed,
    private readonly replay: RoomReplay,
    private readonly presence: PresenceGate,
    private readonly events: ChatEvents,
    private readonly sendMetrics: SendMetrics,
    private readonly clock: Clock,
  ) {
    const chat = config.chat;
    this.sendLimit = new ActionLimit(clock, 'messages', chat.sendRateLimit, chat.sendRateWindowSeconds);
    this.readReceipts = new ReadReceipts(
      clock,
      chat.readRateLimit,
      chat.readRateWindowSeconds,
      (receipt) => this.feed.emit(receipt),
      async ({ roomId, sender }) =>
        Boolean((await this.rooms.standing(roomId, sender.uid))?.member) &&
        (await this.presence.maySend(roomId, sender.uid)),
    );
    this.searchLimit = new ActionLimit(clock, 'searches', chat.searchRateLimit, chat.searchRateWindowSeconds);
    this.typingThrottle = new TypingThrottle(clock, chat.typingThrottleMs);
  }

  /** Resolves once the line is committed (and broadcast); a resend of its clientMessageId returns the stored line. */
  send(caller: Identity, dto: SendMessageDto): Promise<ChatMessage> {
    return this.sendMetrics.measure(() => this.store(caller, dto));
  }

  /**
   * What `send` refuses before changing anything (content length, membership), checked alone:
   * a STOMP COMMIT checks all its lines so before storing any (chat.stomp.ts). `presence-off`
   * and `rate-limited` are only known while the line is sent.
   */
  async checkSend(caller: Identity, dto: SendMessageDto): Promise<void> {
    this.checkContent(dto.content);
    await this.access.member(dto.roomId, caller.uid);
  }

  /** What `typing` (and `read`, given its `messageId`) refuse before changing anything, alone (see checkSend). */
  async checkRoomEvent(caller: Identity, roomId: string, messageId?: string): Promise<void> {
    await this.access.member(roomId, caller.uid);
    if (messageId !== undefined) await this.access.messageOf(roomId, messageId);
  }

  private async store(
    caller: Identity,
    dto: SendMessageDto,
  ): Promise<{ result: ChatMessage; stored: boolean }> {
    await this.checkSend(caller, dto);
    if (!(await this.presence.maySend(dto.roomId, caller.uid))) throw new ChatError('presence-off');
    if (!this.sendLimit.tryTake(caller.uid)) {
      // A resend of a line already stored (its RECEIPT was lost) adds nothing: answered with it, limit or not.
      const earlier = await this.messages.byClientMessageId(dto.roomId, dto.clientMessageId);
      if (earlier?.sender.uid === caller.uid) return { result: toChatMessage(earlier), stored: false };
      throw this.sendLimit.refusal(caller.uid);
    }
    const { message, duplicate } = await this.feed.post({
      roomId: dto.roomId,
      type: 'TALK',
      sender: profileOf(caller),
      content: dto.content,
      clientMessageId: dto.clientMessageId,
    });
    // A clientMessageId is the sender's own: another member's line under it is not this one's
    // resend, so this line is refused (nothing was written) rather than answered with theirs.
    if (duplicate && message.sender.uid !== caller.uid)
      throw new ChatError(
        'client-message-id-taken',
        `clientMessageId ${dto.clientMessageId} is another member's line in this room; send with a new id`,
        [{ field: 'clientMessageId', reason: 'is already the id of another member’s line in this room' }],
      );
    // The store moved the sender's read position to this line with it (MessageStore.append).
    const line = toChatMessage(message);
    if (!duplicate) await this.events.emit({ type: 'line.stored', message: line });
    return { result: line, stored: !duplicate };
  }

  /** `content-too-long` past CHAT_MAX_CONTENT_LENGTH, counted in code points. */
  private checkContent(content: string): void {
    const { maxContentLength } = this.config.chat;
    // A text of no more UTF-16 units than the limit has no more code points either.
    if (content.length <= maxContentLength) return;
    const length = codePointLength(content);
    if (length > maxContentLength)
      throw new ChatError(
        'content-too-long',
        `content is ${length} characters; the limit is ${maxContentLength}`,
      );
  }

  /**
   * Ephemeral and throttled: never stored; extra events inside the interval are dropped, and so
   * are those of a member who appears offline here (appearing offline must look like being
   * offline: no "is typing"). Dropped, not refused: a refusal's ERROR would end the connection.
   */
  async typing(caller: Identity, roomId: string): Promise<void> {
    await this.access.member(roomId, caller.uid);
    if (!(await this.presence.maySend(roomId, caller.uid))) return;
    if (!this.typingThrottle.allow(roomId, caller.uid)) return;
    await this.feed.emit(this.ephemeral('TYPING', roomId, caller));
  }

  /**
   * Saves the read position (forward only), every time, and tells the room, for read receipts,
   * unless the member appears offline here (no "Seen by" from someone shown offline).
   * Beyond CHAT_READ_RATE_LIMIT per member and room, the room's receipt waits for the limit and
   * carries the newest position then (ReadReceipts).
   */
  async read(caller: Identity, roomId: string, messageId: string): Promise<void> {
    await this.access.member(roomId, caller.uid);
    await this.access.messageOf(roomId, messageId);
    // Appearing offline, the position is saved for the member's own unread counts, out of the others' sight.
    const shown = await this.presence.maySend(roomId, caller.uid);
    const member = await this.rooms.markRead(roomId, caller.uid, messageId, shown);
    if (!member) throw new ChatError('not-a-member');
    if (!shown) return;
    await this.readReceipts.offer(`${roomId}\u0000${caller.uid}`, {
      ...this.ephemeral('READ', roomId, caller),
      messageIdRead: member.lastReadMessageId ?? messageId,
    });
  }

  onModuleDestroy(): void {
    this.readReceipts.close();
  }

  async history(caller: Identity, query: HistoryQuery): Promise<MessagePageView> {
    await this.access.member(query.roomId, caller.uid);
    const page = await this.messages.listBefore(
      query.roomId,
      query.before ?? null,
      this.pageSize(query.size),
    );
    return { messages: page.items.map(toChatMessage), nextCursor: page.nextCursor };
  }

  async search(caller: Identity, query: SearchQuery): Promise<MessagePageView> {
    if (parseSearchTerms(query.q, maxSearchTerms + 1).length > maxSearchTerms) {
      const reason = `q must not have more than ${maxSearchTerms} different words`;
      throw new ChatError('invalid-payload', `q: ${reason}`, [{ field: 'q', reason }]);
    }
    await this.access.member(query.roomId, caller.uid);
    this.searchLimit.take(caller.uid);
    const page = await this.messages.search(
      query.roomId,
      query.q,
      query.before ?? null,
      this.pageSize(query.size),
    );
    return { messages: page.items.map(toChatMessage), nextCursor: page.nextCursor };
  }

  /** Re-entering a room: what was posted since my last read message, and what to play now. */
  async reentry(caller: Identity, roomId: string): Promise<ReentryView> {
    const { room, member } = await this.access.memberWithRoom(roomId, caller.uid);
    const max = this.config.chat.reentryMaxMessages;
    const unread = await this.messages.listAfter(roomId, member.lastReadMessageId, max + 1);
    return {
      roomId,
      lastReadMessageId: member.lastReadMessageId,
      messages: unread.slice(0, max).map(toChatMessage),
      hasMore: unread.length > max,
      nowPlaying: nowPlaying(room.playlist, room.createdAt, this.clock.now()),
    };
  }

  /** Oldest first from the start, or from after `after`; `truncated` when CHAT_HISTORY_EXPORT_MAX cut it. */
  async fullHistory(caller: Identity, roomId: string, after?: string): Promise<FullHistoryView> {
    await this.access.member(roomId, caller.uid);
    const max = this.config.chat.historyExportMax;
    const { items, more } = await this.replay.collectAfter(roomId, after ?? null, max);
    return { roomId, messages: items.map(toChatMessage), truncated: more };
  }

  private pageSize(requested: number | undefined): number {
    const { historyPageDefault, historyPageMax } = this.config.chat;
    if (requested === undefined) return historyPageDefault;
    if (requested > historyPageMax) {
      const reason = `size must not be greater than ${historyPageMax}`;
      throw new ChatError('invalid-payload', `size: ${reason}`, [{ field: 'size', reason }]);
    }
    return requested;
  }

  private ephemeral(type: 'TYPING' | 'READ', roomId: string, caller: Identity): ChatMessage {
    return {
      type,
      roomId,
      messageId: null,
      clientMessageId: null,
      sender: profileOf(caller),
      content: '',
      createdAt: this.clock.now().toISOString(),
    };
  }
}
