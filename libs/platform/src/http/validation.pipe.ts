import { ValidationPipe, type ArgumentMetadata, type HttpException } from '@nestjs/common';
import { bodyShapeProblem, DEFAULT_MAX_JSON_DEPTH } from './body-shape';
import type { ErrorCatalogue } from './catalogue-error';
import { describeProblems, fieldProblems, type FieldProblem } from './field-problems';
import { refusal } from './refusal';
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
  return new ShapeCheckedValidationPipe(maxDepth, {
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => invalidPayload(fieldProblems(errors)),
  });
}

/** The 400 `invalid-payload` refusal naming each problem, as the pipe and `DeclaredInputGuard` answer it. */
export const invalidPayload = (problems: readonly FieldProblem[]): HttpException =>
  refusal(400, 'invalid-payload', describeProblems(problems), problems);

/**
 * Refuses, with the same 400 shape, what class-transformer would mishandle before it sees it:
 * a body nested deeper than `maxDepth` (its recursion), and a `__proto__` or `constructor` key
 * in a body or query (it drops them silently, so the whitelist could not refuse them).
 */
class ShapeCheckedValidationPipe extends ValidationPipe {
  constructor(
    private readonly maxDepth: number,
    options: ConstructorParameters<typeof ValidationPipe>[0],
  ) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problem = bodyShapeProblem(value, this.maxDepth);
      if (problem) throw invalidPayload([problem]);
    }
    return super.transform(value, metadata);
  }
}
