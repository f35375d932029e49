import { registerDecorator, type ValidationOptions } from 'class-validator';
import { parsePlaytime } from '../playtime';

/** `m:ss` or `h:mm:ss`, longer than zero: a malformed playtime is refused at creation, never guessed. */
export function IsPlaytime(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPlaytime',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: '$property must be m:ss or h:mm:ss and longer than 0:00 (got "$value")',
        ...options,
      },
      validator: { validate: (value: unknown) => typeof value === 'string' && parsePlaytime(value) !== null },
    });
}
