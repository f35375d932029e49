import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One broken rule of a 400 `invalid-payload`. */
export class FieldProblemDto {
  @ApiProperty({ example: 'roomId', description: 'Dotted path of the field (or `body`, `path`)' })
  readonly field!: string;

  @ApiProperty({ example: 'roomId must be a string' })
  readonly reason!: string;
}

/** The body of every refusal (the platform's CatalogueErrorFilter and validation pipe write it). */
export class ErrorResponseDto {
  @ApiProperty({ example: 403 })
  readonly statusCode!: number;

  @ApiProperty({ example: 'Forbidden' })
  readonly error!: string;

  @ApiProperty({ example: 'not-a-member', description: 'Stable code from the error catalogue (docs/api.md)' })
  readonly code!: string;

  @ApiProperty({ example: 'you are not a member of this room' })
  readonly message!: string;

  @ApiPropertyOptional({
    type: [FieldProblemDto],
    description: '400 only: one entry per broken rule',
    example: [{ field: 'roomId', reason: 'roomId must be a string' }],
  })
  readonly errors?: FieldProblemDto[];
}

/** Why a route that takes no query answers 400 to one (docs/api.md, "Bodies and queries"). */
export const QUERY_REFUSED =
  'The route takes no query: a query parameter is refused (invalid-payload naming it)';
