import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

const DECIMAL_DIGITS = /^\d+$/;

/**
 * A whole number in a query string (a page size, say), written in decimal digits and at least
 * `min`. `Number()` alone would take `0x10`, `1e1`, ` 2` and the empty string as numbers, so
 * only digits are converted; anything else stays text and is refused with one reason. Digits
 * past `Number.MAX_SAFE_INTEGER` read as that number, so the app's upper bound refuses them
 * with its range rather than this decorator with its syntax.
 */
export function QueryInteger(min: number): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && DECIMAL_DIGITS.test(value)
        ? Math.min(Number(value), Number.MAX_SAFE_INTEGER)
        : value,
    ),
    ValidateBy({
      name: 'queryInteger',
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= min,
        defaultMessage: () => `$property must be a whole number from ${min}, in decimal digits`,
      },
    }),
  );
}
