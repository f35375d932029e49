import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Body of `PATCH /api/v1/presence/on` and `/off`; the member is the token's subject. */
export class ChangePresenceDto {
  @ApiProperty({
    description: 'Room to change your presence in',
    example: '5b0f6f5e-2a8e-4c57-9a4c-1f6b8f0c2d11',
    maxLength: 128,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  readonly roomId!: string;
}
