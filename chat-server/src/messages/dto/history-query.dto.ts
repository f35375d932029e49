import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { QueryInteger } from '@playlist-chat/platform';
import { MESSAGE_ID_PATTERN } from '../../ids/message-id';

export class HistoryQuery {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  roomId!: string;

  @ApiPropertyOptional({
    description: 'Cursor: only messages older than this id (from `nextCursor` of the previous page)',
  })
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: '$property must be a message id (26 hex digits)' })
  before?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'Page size: default 12, at most 20 (CHAT_HISTORY_PAGE_DEFAULT / _MAX); more is a 400',
  })
  @IsOptional()
  @QueryInteger(1)
  size?: number;
}

export class SearchQuery extends HistoryQuery {
  @ApiProperty({
    description: 'Words to find (whole words; a trailing * matches a prefix)',
    example: 'hello',
  })
  @IsString()
  @Length(1, 200)
  q!: string;
}

export class FullHistoryQuery {
  @ApiPropertyOptional({
    description:
      'Cursor: only messages after this id (the last message of a `truncated` answer), to read on past CHAT_HISTORY_EXPORT_MAX',
  })
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: '$property must be a message id (26 hex digits)' })
  after?: string;
}
