import type { MessageSender, StoredMessageType } from '@playlist-chat/contracts';

export interface StoredMessage {
  /** Time-ordered and unique; within a room, id order is the room's message order. */
  readonly messageId: string;
  readonly roomId: string;
  readonly clientMessageId: string | null;
  readonly type: StoredMessageType;
  readonly sender: MessageSender;
  readonly content: string;
  readonly createdAt: Date;
}
