import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One broken rule of a 400 `invalid-payload`. */
export class FieldProblemView {
  @ApiProperty({
    example: 'playlist.musics.0.playtime',
    description: 'Dotted path of the field (or `body`, `path`)',
  })
  field!: string;
  @ApiProperty({ example: 'playtime must be m:ss or h:mm:ss' }) reason!: string;
}

/** The body of every refusal over REST (documentation class; the error filter writes this shape). */
export class ErrorView {
  @ApiProperty({ example: 404 }) statusCode!: number;
  @ApiProperty({ example: 'Not Found' }) error!: string;
  @ApiProperty({ example: 'unknown-room', description: 'Stable code from the error catalogue (docs/api.md)' })
  code!: string;
  @ApiProperty({ example: 'room not found' }) message!: string;
  @ApiPropertyOptional({
    type: [FieldProblemView],
    description: '400 only: one entry per broken rule',
    example: [{ field: 'playlist.musics.0.playtime', reason: 'playtime must be m:ss or h:mm:ss' }],
  })
  errors?: FieldProblemView[];
}

/** A `rate-limited` refusal (429): the body, and when to try again. */
export const RATE_LIMITED_ANSWER = {
  type: ErrorView,
  headers: {
    'Retry-After': {
      description:
        'Whole seconds until the same request would be taken (the limit refills evenly over its window)',
      schema: { type: 'integer', minimum: 1 },
    },
  },
} as const;
