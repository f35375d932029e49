import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID, Matches } from 'class-validator';
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
