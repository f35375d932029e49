/**
 * The option check both bench entry points run first, before anything starts: `--help` prints
 * `usage` (answers true: the caller stops there), and any `--option` that is neither one of
 * `flags` nor `--name=value` with a name of `withValue` is refused, naming each.
 */
export function helpOrRefuseUnknown(
  args: readonly string[],
  usage: string,
  known: { readonly flags: readonly string[]; readonly withValue: readonly string[] },
): boolean {
  if (args.includes('--help')) {
    console.log(usage);
    return true;
  }
  const strange = args.filter(
    (a) =>
      a.startsWith('--') &&
      !known.flags.includes(a) &&
      !known.withValue.some((name) => a.startsWith(`--${name}=`)),
  );
  if (strange.length) throw new Error(`unknown option(s) ${strange.join(', ')}\n${usage}`);
  return false;
}

/** The value of `--name=value` among `args`, if given. */
export function optionValue(args: readonly string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/**
 * `--name=N` as a number of at least `minimum` (a whole one when `whole`), `fallback` when the
 * option is absent; anything else is refused with a message naming the option, then `usage`.
 */
export function numberOption(
  args: readonly string[],
  name: string,
  fallback: number,
  rule: { readonly minimum: number; readonly whole?: boolean; readonly usage: string },
): number {
  const value = optionValue(args, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (
    value.trim() === '' ||
    !Number.isFinite(parsed) ||
    (rule.whole === true && !Number.isInteger(parsed)) ||
    parsed < rule.minimum
  ) {
    const kind = rule.whole ? 'a whole number' : 'a number';
    throw new Error(`--${name} must be ${kind} of at least ${rule.minimum}, got "${value}"\n${rule.usage}`);
  }
  return parsed;
}
