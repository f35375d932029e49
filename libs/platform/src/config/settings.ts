/**
 * Settings: every environment variable is declared once, with its default, a one-line
 * description and its validation. `loadSettings` parses a whole group at start-up and
 * throws a `ConfigError` naming every bad variable, so a process never starts half-configured.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface Setting<T> {
  readonly env: string;
  readonly description: string;
  /** Default as it would be written in `.env`; may depend on other variables (e.g. the deployment mode). */
  readonly defaultValue: string | ((env: Env) => string);
  /** Required (no default applies) when this returns a reason, e.g. `EVENT_BUS=kafka`. */
  readonly requiredWhen?: (env: Env) => string | undefined;
  parse(raw: string, env: Env): T;
}

export type SettingsSpec = Record<string, Setting<unknown>>;
export type SettingsOf<S extends SettingsSpec> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

class Invalid extends Error {}

function define<T>(
  env: string,
  defaultValue: Setting<T>['defaultValue'],
  description: string,
  parse: (raw: string, env: Env) => T,
  requiredWhen?: Setting<T>['requiredWhen'],
): Setting<T> {
  return { env, defaultValue, description, parse, requiredWhen };
}

export const setting = {
  string(
    env: string,
    defaultValue: Setting<string>['defaultValue'],
    description: string,
    opts: {
      pattern?: RegExp;
      hint?: string;
      requiredWhen?: Setting<string>['requiredWhen'];
      /** A further rule: returns why the value is refused (after `must`), or undefined. */
      refuse?: (value: string) => string | undefined;
    } = {},
  ): Setting<string> {
    return define(
      env,
      defaultValue,
      description,
      (raw) => {
        if (opts.pattern && !opts.pattern.test(raw))
          throw new Invalid(`must be ${opts.hint ?? `like ${opts.pattern}`}`);
        const refusal = opts.refuse?.(raw);
        if (refusal !== undefined) throw new Invalid(refusal);
        return raw;
      },
      opts.requiredWhen,
    );
  },

  int(
    env: string,
    defaultValue: number,
    description: string,
    range: { min?: number; max?: number } = {},
  ): Setting<number> {
    const min = range.min ?? Number.MIN_SAFE_INTEGER;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    return define(env, String(defaultValue), description, (raw) => {
      const value = Number(raw);
      if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
        throw new Invalid(`must be an integer from ${min} to ${max}`);
      }
      return value;
    });
  },

  port(env: string, defaultValue: number, description: string): Setting<number> {
    return setting.int(env, defaultValue, description, { min: 0, max: 65535 });
  },

  bool(
    env: string,
    defaultValue: boolean | Setting<boolean>['defaultValue'],
    description: string,
  ): Setting<boolean> {
    return define(
      env,
      typeof defaultValue === 'function' ? defaultValue : String(defaultValue),
      description,
      (raw) => {
        const value = raw.trim().toLowerCase();
        if (value === 'true' || value === '1' || value === 'yes') return true;
        if (value === 'false' || value === '0' || value === 'no') return false;
        throw new Invalid('must be true or false');
      },
    );
  },

  oneOf<const V extends string>(
    env: string,
    values: readonly V[],
    defaultValue: V | ((env: Env) => V),
    description: string,
    /** A value the rest of the configuration rules out, and why (e.g. in-process adapters in a cluster). */
    opts: { refuse?: (value: V, env: Env) => string | undefined } = {},
  ): Setting<V> {
    return define(env, defaultValue, description, (raw, environment) => {
      if (!(values as readonly string[]).includes(raw))
        throw new Invalid(`must be one of ${values.join(', ')}`);
      const refusal = opts.refuse?.(raw as V, environment);
      if (refusal) throw new Invalid(refusal);
      return raw as V;
    });
  },

  /** Comma-separated list; empty string means an empty list. */
  list(
    env: string,
    defaultValue: Setting<string[]>['defaultValue'],
    description: string,
    opts: {
      requiredWhen?: Setting<string[]>['requiredWhen'];
      item?: (value: string) => string | undefined;
    } = {},
  ): Setting<string[]> {
    return define(
      env,
      defaultValue,
      description,
      (raw) => {
        const items = raw
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item.length > 0);
        for (const item of items) {
          const problem = opts.item?.(item);
          if (problem) throw new Invalid(`item "${item}" ${problem}`);
        }
        return items;
      },
      opts.requiredWhen,
    );
  },

  url(
    env: string,
    defaultValue: Setting<string>['defaultValue'],
    description: string,
    opts: { requiredWhen?: Setting<string>['requiredWhen']; optional?: boolean } = {},
  ): Setting<string> {
    return define(
      env,
      defaultValue,
      description,
      (raw) => {
        if (raw === '' && opts.optional) return raw;
        try {
          new URL(raw);
        } catch {
          throw new Invalid('must be an absolute URL');
        }
        return raw.replace(/\/+$/, '');
      },
      opts.requiredWhen,
    );
  },
};

/** `requiredWhen` helper: the variable must be set when `other` has `value`. */
export function requiredWhenEquals(other: string, value: string): (env: Env) => string | undefined {
  return (env) => (env[other] === value ? `${other}=${value}` : undefined);
}

export function defaultOf(spec: Setting<unknown>, env: Env): string {
  return typeof spec.defaultValue === 'function' ? spec.defaultValue(env) : spec.defaultValue;
}

/** Parses one group of settings from the environment; throws ConfigError naming every bad variable. */
export function loadSettings<S extends SettingsSpec>(spec: S, env: Env = process.env): SettingsOf<S> {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  // Defaults that depend on other variables see this group's plain defaults too.
  const plainDefaults = Object.fromEntries(
    Object.values(spec)
      .filter((item) => typeof item.defaultValue === 'string')
      .map((item) => [item.env, item.defaultValue as string]),
  );
  env = { ...plainDefaults, ...Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')) };
  for (const [key, item] of Object.entries(spec)) {
    const raw = env[item.env];
    const requiredBecause = item.requiredWhen?.(env);
    if ((raw === undefined || raw === '') && requiredBecause) {
      problems.push(`${item.env} is required when ${requiredBecause} (${item.description})`);
      continue;
    }
    const value = raw === undefined || raw === '' ? defaultOf(item, env) : raw;
    try {
      result[key] = item.parse(value, env);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      problems.push(`${item.env} ${error.message} (got "${value}")`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result as SettingsOf<S>;
}
