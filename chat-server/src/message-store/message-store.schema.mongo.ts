import type { StoredMessageType } from '@playlist-chat/contracts';
import { Schema, type Connection, type Model } from 'mongoose';

/** `messages` collection: one document per message, `_id` the time-ordered message id. */
export interface MessageDocument {
  _id: string;
  roomId: string;
  /** Absent (not null) when the message has none, so the partial unique index skips it. */
  clientMessageId?: string;
  type: StoredMessageType;
  sender: { uid: string; nickName: string; profileImage: string | null };
  content: string;
  createdAt: Date;
  /** `searchWords(content)`, deduplicated: what keyword search matches against. */
  words: string[];
  /** A line with CJK only: `searchTokens(content)` joined by spaces, for a CJK word's phrase match. */
  searchText?: string;
  /** The line's place in its room (1, 2, 3, …); absent on lines stored before it existed. */
  seq?: number;
}

/** `room_sequences`: each room's last place and id, kept when retention deletes its lines. */
export interface RoomSequenceDocument {
  _id: string;
  seq: number;
  lastMessageId: string;
}

const messageSchema = new Schema<MessageDocument>(
  {
    _id: { type: String, required: true },
    roomId: { type: String, required: true },
    clientMessageId: { type: String },
    type: { type: String, required: true, enum: ['ENTER', 'TALK', 'EXIT'] },
    sender: {
      type: new Schema(
        {
          uid: { type: String, required: true },
          nickName: { type: String, default: '' },
          profileImage: { type: String, default: null },
        },
        { _id: false },
      ),
      required: true,
    },
    // Empty content is allowed (ENTER/EXIT lines may carry none); mongoose's `required` would refuse ''.
    content: { type: String, default: '' },
    createdAt: { type: Date, required: true },
    words: { type: [String], default: [] },
    searchText: { type: String },
    seq: { type: Number },
  },
  { collection: 'messages', versionKey: false },
);
// One line per place in a room: two writers that read the same last place cannot both insert; the loser retries.
messageSchema.index(
  { roomId: 1, seq: 1 },
  { unique: true, partialFilterExpression: { seq: { $type: 'number' } }, name: 'one_message_per_room_place' },
);
// A resend with the same client id is stored once; messages without one are not constrained.
messageSchema.index(
  { roomId: 1, clientMessageId: 1 },
  {
    unique: true,
    partialFilterExpression: { clientMessageId: { $type: 'string' } },
    name: 'one_message_per_client_id',
  },
);
messageSchema.index({ roomId: 1, _id: 1 }, { name: 'room_order' });
// Retention purge scans by age (no TTL index: the purge is explicit and counted).
messageSchema.index({ createdAt: 1 }, { name: 'by_age' });
// Keyword search: a multikey index of the normalised words, per room (see MongoMessageStore.search).
messageSchema.index({ roomId: 1, words: 1, _id: -1 }, { name: 'room_words' });

/** The model on `connection` (registered once per connection). */
const roomSequenceSchema = new Schema<RoomSequenceDocument>(
  { _id: { type: String, required: true }, seq: { type: Number, required: true }, lastMessageId: String },
  { collection: 'room_sequences', versionKey: false },
);

export function roomSequenceModel(connection: Connection): Model<RoomSequenceDocument> {
  return (
    (connection.models.RoomSequence as Model<RoomSequenceDocument> | undefined) ??
    connection.model<RoomSequenceDocument>('RoomSequence', roomSequenceSchema)
  );
}

export function messageModel(connection: Connection): Model<MessageDocument> {
  return (
    (connection.models.Message as Model<MessageDocument> | undefined) ??
    connection.model<MessageDocument>('Message', messageSchema)
  );
}
