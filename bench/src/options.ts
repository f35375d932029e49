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
