import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

/** Response shapes of the rooms API (documentation classes; handlers return plain objects of these shapes). */

export class MemberView {
  @ApiProperty() uid!: string;
  @ApiProperty() nickName!: string;
  @ApiProperty({ type: String, nullable: true }) profileImage!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "Last message the member has read: your own as saved; another member's as they are shown (it stays put while they appear offline)",
  })
  lastReadMessageId!: string | null;
  @ApiProperty({ format: 'date-time' }) enteredAt!: string;
}

export class MusicView {
  @ApiProperty() title!: string;
  @ApiProperty() artist!: string;
  @ApiProperty({ example: '3:25' }) playtime!: string;
  @ApiProperty() thumbnail!: string;
}

export class PlaylistView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [MusicView] }) musics!: MusicView[];
}

export class NowPlayingView {
  @ApiProperty({ description: 'Index in playlist.musics' }) trackIndex!: number;
  @ApiProperty() title!: string;
  @ApiProperty() artist!: string;
  @ApiProperty({ description: 'Seconds into the track' }) offsetSeconds!: number;
  @ApiProperty() durationSeconds!: number;
  @ApiProperty({ description: 'Completed plays of the whole playlist since the room opened' }) loop!: number;
}

export class RoomView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "The playlist's name" }) roomName!: string;
  @ApiProperty() ownerUid!: string;
  @ApiProperty() userCount!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(MemberView) },
    description: 'Members keyed by uid',
  })
  users!: Record<string, MemberView>;
  @ApiProperty({ type: PlaylistView, description: 'Snapshot taken when the chat started' })
  playlist!: PlaylistView;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Thumbnail URL of the music that represents the room (the first)',
  })
  thumbnail!: string | null;
  @ApiProperty({ format: 'date-time', description: 'When the chat started: time zero of the playlist loop' })
  createdAt!: string;
  @ApiProperty({ type: NowPlayingView, nullable: true }) nowPlaying!: NowPlayingView | null;
}

export class RoomSummaryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() roomName!: string;
  @ApiProperty({ type: String, nullable: true }) thumbnail!: string | null;
  @ApiProperty({ description: 'Participant count' }) userCount!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ description: '"joined" list only: messages after my last read one' })
  unreadCount?: number;
}

export class LeaveResultView {
  @ApiProperty({ format: 'uuid' }) roomId!: string;
  @ApiProperty({ type: String, nullable: true }) lastReadMessageId!: string | null;
}

export class ExitResultView {
  @ApiProperty({ format: 'uuid' }) roomId!: string;
  @ApiProperty({ description: 'Members left in the room' }) userCount!: number;
}
