import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { describeProblems, fieldProblems } from './validation-problems';

/**
 * Strict DTO validation for every REST route: unknown fields are refused, values are
 * converted to their declared types, and a 400 names each field with its reason:
 * `{ statusCode: 400, error, code: 'invalid-payload', message, errors: [{ field, reason }] }`.
 */
export function chatValidationPipe(): ValidationPipe {
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
