import { ConfigError } from '../config/settings';

type Loaded<L extends Record<string, () => unknown>> = { readonly [K in keyof L]: ReturnType<L[K]> };

/**
 * Loads every settings group a service reads at start-up, so that one ConfigError names every
 * bad variable of all groups instead of stopping at the first bad group. `crossCheck` adds
 * rules that span groups; it sees the groups that loaded (a group that failed is absent).
 */
export function loadSettingsGroups<L extends Record<string, () => unknown>>(
  loaders: L,
  crossCheck: (groups: Partial<Loaded<L>>) => readonly string[] = () => [],
): Loaded<L> {
  const problems: string[] = [];
  const groups: Partial<Record<keyof L, unknown>> = {};
  for (const [name, load] of Object.entries(loaders) as [keyof L, () => unknown][]) {
    try {
      groups[name] = load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  problems.push(...crossCheck(groups as Partial<Loaded<L>>));
  // Groups that load a shared group themselves (an app's config holds the platform's) name its problems once.
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return groups as Loaded<L>;
}
