/** One broken rule of a request body: `{ field: 'playlist.musics.2.playtime', reason: '…' }`. */
export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

/**
 * The part of a class-validator `ValidationError` read here. Declared structurally so that
 * both class-validator's class and Nest's copy of its interface fit without importing either.
 */
export interface ValidationFailure {
  readonly property: string;
  readonly constraints?: Readonly<Record<string, string>>;
  readonly children?: readonly ValidationFailure[];
}

/** class-validator's nested errors → one `{ field, reason }` per broken rule, with dotted paths. */
export function fieldProblems(errors: readonly ValidationFailure[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ field, reason }));
    return [...own, ...fieldProblems(error.children ?? [], field)];
  });
}

/** The problems as one human-readable message: `field: reason; field: reason`. */
export const describeProblems = (problems: readonly FieldProblem[]): string =>
  problems.map((problem) => `${problem.field}: ${problem.reason}`).join('; ');
