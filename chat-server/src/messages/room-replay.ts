import { Injectable } from '@nestjs/common';
import type { OutboundMessage } from '@playlist-chat/stomp';
import { ChatConfig } from '../config/chat-config';
import { toChatMessage } from '../message-store/chat-message.mapper';
import { MessageStore } from '../message-store/message-store.port';
import type { StoredMessage } from '../message-store/message.model';

/** Reading a room's lines back in order, for a resubscribe's replay and the history export. */
@Injectable()
export class RoomReplay {
  constructor(
    private readonly messages: MessageStore,
    private readonly config: ChatConfig,
  ) {}

  /**
   * What was committed after `lastMessageId`, as MESSAGE frames in order, at most
   * CHAT_REPLAY_MAX_MESSAGES; beyond that the client pages the rest from history, and the last
   * replayed line says so (`replay-truncated: true`).
   */
  async framesAfter(roomId: string, lastMessageId: string): Promise<OutboundMessage[]> {
    const { items, more } = await this.collectAfter(
      roomId,
      lastMessageId,
      this.config.chat.replayMaxMessages,
    );
    return items.map((message, index) => {
      const outbound: OutboundMessage = {
        body: JSON.stringify(toChatMessage(message)),
        sequence: message.messageId,
      };
      if (more && index === items.length - 1) outbound.headers = { 'replay-truncated': 'true' };
      return outbound;
    });
  }

  /** Messages after `afterMessageId`, oldest first, up to `max`, read in batches. */
  async collectAfter(
    roomId: string,
    afterMessageId: string | null,
    max: number,
  ): Promise<{ items: StoredMessage[]; more: boolean }> {
    const items: StoredMessage[] = [];
    let cursor = afterMessageId;
    for (;;) {
      const want = Math.min(500, max - items.length + 1);
      const batch = await this.messages.listAfter(roomId, cursor, want);
      items.push(...batch);
      if (batch.length < want || items.length > max) break;
      cursor = batch[batch.length - 1].messageId;
    }
    return { items: items.slice(0, max), more: items.length > max };
  }
}
