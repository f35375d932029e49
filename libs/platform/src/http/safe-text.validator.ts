import { ValidateBy, type ValidationOptions } from 'class-validator';
import { hasUnsafeCharacters } from '../auth/identity';

/**
 * A name shown to other people (nickname, room owner's name) may hold no control character
 * (NUL, newline, …) and no bidirectional override (U+202E and kin), which would make it display
 * as something else than it is.
 */
export function IsSafeName(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSafeName',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !hasUnsafeCharacters(value),
        defaultMessage: () => '$property must not contain control or bidirectional-override characters',
      },
    },
    options,
  );
}
