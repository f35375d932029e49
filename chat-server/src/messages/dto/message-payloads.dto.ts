import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUUID, Matches } from 'class-validator';
import { MESSAGE_ID_PATTERN } from '../../ids/message-id';

/** Bodies of STOMP SENDs (and of the debugging REST send): the same rules on both surfaces. */

export class RoomRefDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  roomId!: string;
}

export class SendMessageDto extends RoomRefDto {
  @ApiProperty({
    example: 'c-5f1e2a',
    description: "The client's own id for this line: resends with the same id are stored and delivered once",
  })
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: '$property must be 1 to 64 letters, digits or . _ : -' })
  clientMessageId!: string;

  @ApiProperty({
    example: 'hello!',
    description:
      'Text of the line, with at least one character that is not a space; longer than the limit (default 2,000 characters) is refused with content-too-long',
  })
  @IsString()
  // A line of nothing but spaces says nothing: refused like an empty one (spaces around text are kept).
  @Matches(/\S/, { message: '$property must not be empty or only spaces' })
  content!: string;
}

export class ReadDto extends RoomRefDto {
  @ApiProperty({ description: 'Id of the last message read' })
  @Matches(MESSAGE_ID_PATTERN, { message: '$property must be a message id (26 hex digits)' })
  messageId!: string;
}
