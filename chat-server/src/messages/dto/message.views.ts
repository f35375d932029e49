import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NowPlayingView } from '../../rooms/dto/room.views';

export class SenderView {
  @ApiProperty() uid!: string;
  @ApiProperty() nickName!: string;
  @ApiProperty({ type: String, nullable: true }) profileImage!: string | null;
}

export class ChatMessageView {
  @ApiProperty({ enum: ['ENTER', 'TALK', 'EXIT', 'TYPING', 'READ', 'PRESENCE'] }) type!: string;
  @ApiProperty({ format: 'uuid' }) roomId!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Time-ordered id; ids of a room sort in its order',
  })
  messageId!: string | null;
  @ApiProperty({ type: String, nullable: true }) clientMessageId!: string | null;
  @ApiProperty({ type: SenderView }) sender!: SenderView;
  @ApiProperty() content!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ description: 'READ only: the message read up to' }) messageIdRead?: string;
}

export class MessagePageView {
  @ApiProperty({ type: [ChatMessageView], description: 'Newest first' }) messages!: ChatMessageView[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `before` for the next (older) page; null at the end',
  })
  nextCursor!: string | null;
}

export class ReentryView {
  @ApiProperty({ format: 'uuid' }) roomId!: string;
  @ApiProperty({ type: String, nullable: true }) lastReadMessageId!: string | null;
  @ApiProperty({ type: [ChatMessageView], description: 'Messages after the last read one, oldest first' })
  messages!: ChatMessageView[];
  @ApiProperty({ description: 'More unread messages exist after these (CHAT_REENTRY_MAX_MESSAGES)' })
  hasMore!: boolean;
  @ApiProperty({ type: NowPlayingView, nullable: true, description: 'Track and offset to play now' })
  nowPlaying!: NowPlayingView | null;
}

export class FullHistoryView {
  @ApiProperty({ format: 'uuid' }) roomId!: string;
  @ApiProperty({ type: [ChatMessageView], description: 'Oldest first' }) messages!: ChatMessageView[];
  @ApiProperty({
    description:
      'Cut at CHAT_HISTORY_EXPORT_MAX: newer messages follow; read on with after=<the last messageId here>',
  })
  truncated!: boolean;
}
