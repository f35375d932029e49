import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { QueryInteger } from '@playlist-chat/platform';
import { MESSAGE_ID_PATTERN } from '../../ids/message-id';

export class RoomIdParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  roomId!: string;
}

export class LeaveRoomDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  roomId!: string;

  @ApiPropertyOptional({
    example: '019a2b3c4d5e000000a1b2c3d4',
    description: 'Last message the member has read (only moves forward)',
  })
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: '$property must be a message id (26 hex digits)' })
  lastReadMessageId?: string;
}

export class RoomListQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description:
      'Rooms per page: default 20, at most 100 (CHAT_ROOM_PAGE_DEFAULT / _MAX); more is a 400. The next page starts at the `X-Next-Cursor` response header',
  })
  @IsOptional()
  @QueryInteger(1)
  size?: number;

  @ApiPropertyOptional({ description: 'Where the page starts: the previous answer’s `X-Next-Cursor` header' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cursor?: string;
}
