/** What a subscriber of `/chat/topic/room/{roomId}` receives, as the JSON body of a STOMP MESSAGE. */

export type StoredMessageType = 'ENTER' | 'TALK' | 'EXIT';
export type EphemeralMessageType = 'TYPING' | 'READ' | 'PRESENCE';
export type ChatMessageType = StoredMessageType | EphemeralMessageType;

export interface MessageSender {
  readonly uid: string;
  readonly nickName: string;
  readonly profileImage: string | null;
}

export interface ChatMessage {
  readonly type: ChatMessageType;
  readonly roomId: string;
  /** Time-ordered id given by the server; ids of one room sort in the room's order. Null for ephemeral types. */
  readonly messageId: string | null;
  /** The id the client gave when sending (resends with the same id are stored and delivered once). */
  readonly clientMessageId: string | null;
  readonly sender: MessageSender;
  readonly content: string;
  /** ISO-8601. */
  readonly createdAt: string;
  /** READ: the message read up to; PRESENCE: `on` or `off`. */
  readonly messageIdRead?: string;
  readonly state?: 'on' | 'off';
}
