import { BadRequestException, ValidationPipe } from '@nestjs/common';
import type { ErrorCatalogue } from './catalogue-error';
import { describeProblems, fieldProblems } from './field-problems';

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
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
