import { defaultOf, type Env, type Setting } from '../../libs/platform/src/config/settings';
import {
  clusterEnv,
  requirementProbes,
  singleNodeEnv,
  type GroupName,
  type SettingsGroup,
} from './catalogue';

/** One environment variable as the docs describe it. */
export interface Variable {
  readonly name: string;
  readonly description: string;
  /** Default in single node and in a cluster (equal unless the default depends on other variables). */
  readonly defaults: { readonly single: string; readonly cluster: string };
  /** Computed from other variables: writing one value into `.env` would pin it. */
  readonly derived: boolean;
  /** Reasons from `requiredWhen`, e.g. `EVENT_BUS=kafka`. */
  readonly requiredWhen: readonly string[];
  /** The group that lists it first, when this group repeats a shared setting. */
  readonly listedIn?: GroupName;
  /** Its value is never printed (a key or token). */
  readonly secret: boolean;
}

export interface VariableGroup {
  readonly group: GroupName;
  readonly readBy: string;
  readonly variables: readonly Variable[];
}

/** What `loadSettings` merges under the environment before asking a group's rules. */
function withPlainDefaults(spec: SettingsGroup['spec'], env: Env): Env {
  const plain = Object.values(spec).flatMap((item): [string, string][] =>
    typeof item.defaultValue === 'string' ? [[item.env, item.defaultValue]] : [],
  );
  return { ...Object.fromEntries(plain), ...env };
}

function requiredReasons(item: Setting<unknown>, spec: SettingsGroup['spec']): string[] {
  if (!item.requiredWhen) return [];
  const reasons = requirementProbes.map((probe) => item.requiredWhen?.(withPlainDefaults(spec, probe)));
  return [...new Set(reasons.filter((reason): reason is string => reason !== undefined))];
}

/** The catalogue as documented variables, in declaration order; a shared setting names the group that lists it. */
export function describeCatalogue(catalogue: readonly SettingsGroup[]): VariableGroup[] {
  const firstGroup = new Map<Setting<unknown>, GroupName>();
  return catalogue.map(({ group, readBy, spec }) => ({
    group,
    readBy,
    variables: Object.values(spec).map((item) => {
      const listedIn = firstGroup.get(item);
      if (!listedIn) firstGroup.set(item, group);
      return {
        name: item.env,
        description: item.description.replace(/\s+/g, ' ').trim(),
        defaults: {
          single: defaultOf(item, withPlainDefaults(spec, singleNodeEnv)),
          cluster: defaultOf(item, withPlainDefaults(spec, clusterEnv)),
        },
        derived: typeof item.defaultValue === 'function',
        requiredWhen: requiredReasons(item, spec),
        listedIn,
        secret: item.secret === true,
      };
    }),
  }));
}
