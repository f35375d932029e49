import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { nameProblem } from '../auth/identity';

/**
 * A name shown to other people (nickname, room name, track title and artist): one line of
 * visible text, without control, bidirectional-control, separator or invisible characters
 * (`nameProblem`). The refusal names the field and the first offending character.
 */
export function IsSafeName(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSafeName',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && nameProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          `$property ${typeof args?.value === 'string' ? (nameProblem(args.value) ?? 'is not a safe name') : 'must be a string'}`,
      },
    },
    options,
  );
}
