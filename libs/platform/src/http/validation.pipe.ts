import { BadRequestException, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { DEFAULT_MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth';
import type { ErrorCatalogue } from './catalogue-error';
import { describeProblems, fieldProblems } from './field-problems';
import { cacheValidationMetadata } from './validation-metadata-cache';

/** The code `createValidationPipe` answers with; every app's catalogue includes it. */
export const PAYLOAD_ERRORS = {
  'invalid-payload': { status: 400, message: 'body does not match the expected shape' },
} as const satisfies ErrorCatalogue;

/**
 * Strict DTO validation for every REST route of every app: unknown fields are refused, values
 * are converted to their declared types (never implicitly), and a 400 names each field with
 * its reason: `{ statusCode: 400, error: 'Bad Request', code: 'invalid-payload', message,
 * errors: [{ field, reason }] }` — the same shape as a catalogue refusal.
 */
export function createValidationPipe(maxDepth = DEFAULT_MAX_JSON_DEPTH): ValidationPipe {
  cacheValidationMetadata();
  return new DepthLimitedValidationPipe(maxDepth, {
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const problems = fieldProblems(errors);
      return new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        code: 'invalid-payload',
        message: describeProblems(problems),
        errors: problems,
      });
    },
  });
}

/** Refuses a body nested deeper than `maxDepth` with the same 400 shape, before class-transformer recurses into it. */
class DepthLimitedValidationPipe extends ValidationPipe {
  constructor(
    private readonly maxDepth: number,
    options: ConstructorParameters<typeof ValidationPipe>[0],
  ) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && nestedDeeperThan(value, this.maxDepth)) {
      const reason = `is nested deeper than ${this.maxDepth} levels`;
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        code: 'invalid-payload',
        message: `body ${reason}`,
        errors: [{ field: 'body', reason }],
      });
    }
    return super.transform(value, metadata);
  }
}
