import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { PresenceError, type FieldProblem } from './presence-error';

/** class-validator's nested errors → one `{ field, reason }` per broken rule, with dotted paths. */
function fieldProblems(errors: readonly ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ field, reason }));
    return [...own, ...fieldProblems(error.children ?? [], field)];
  });
}

/** Strict DTO validation: unknown fields refused, each problem named in a 400 (`code: invalid-payload`). */
export function presenceValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const problems = fieldProblems(errors);
      return new PresenceError(
        'invalid-payload',
        problems.map((problem) => `${problem.field}: ${problem.reason}`).join('; '),
        problems,
      );
    },
  });
}
