import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The body of every refusal over REST (documentation class; the error filter writes this shape). */
export class ErrorView {
  @ApiProperty({ example: 404 }) statusCode!: number;
  @ApiProperty({ example: 'Not Found' }) error!: string;
  @ApiPropertyOptional({ example: 'unknown-room', description: 'Stable code from the error catalogue' })
  code?: string;
  @ApiProperty({ example: 'room not found' }) message!: string;
  @ApiPropertyOptional({
    description: '400 only: one entry per broken rule',
    example: [{ field: 'playlist.musics.0.playtime', reason: 'playtime must be m:ss or h:mm:ss' }],
  })
  errors?: { field: string; reason: string }[];
}
