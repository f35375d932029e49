import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The body of every refusal (the platform's CatalogueErrorFilter and validation pipe write it). */
export class ErrorResponseDto {
  @ApiProperty({ example: 403 })
  readonly statusCode!: number;

  @ApiProperty({ example: 'Forbidden' })
  readonly error!: string;

  @ApiPropertyOptional({ example: 'not-a-member', description: 'Stable code from the error catalogue' })
  readonly code?: string;

  @ApiProperty({ example: 'you are not a member of this room' })
  readonly message!: string;

  @ApiPropertyOptional({
    description: '400 only: one entry per broken rule',
    example: [{ field: 'roomId', reason: 'roomId must be a string' }],
  })
  readonly errors?: { field: string; reason: string }[];
}
