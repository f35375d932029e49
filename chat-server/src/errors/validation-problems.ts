import type { ValidationError } from 'class-validator';
import type { FieldProblem } from './chat-error';

/** class-validator's nested errors → one `{ field, reason }` per broken rule, with dotted paths (`playlist.musics.2.playtime`). */
export function fieldProblems(errors: readonly ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ field, reason }));
    return [...own, ...fieldProblems(error.children ?? [], field)];
  });
}

export const describeProblems = (problems: readonly FieldProblem[]): string =>
  problems.map((problem) => `${problem.field}: ${problem.reason}`).join('; ');
