import type { ChatMessage } from '@playlist-chat/contracts';
import type { StoredMessage } from './message.model';

/** What subscribers and REST readers see of a stored message. */
export function toChatMessage(message: StoredMessage): ChatMessage {
  return {
    type: message.type,
    roomId: message.roomId,
    messageId: message.messageId,
    clientMessageId: message.clientMessageId,
    sender: message.sender,
    content: message.content,
    createdAt: message.createdAt.toISOString(),
  };
}
