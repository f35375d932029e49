/**
 * Settings: every environment variable is declared once, with its default, a one-line
 * description and its validation. `loadSettings` parses a whole group at start-up and
 * throws a `ConfigError` naming every bad variable, so a process never starts half-configured.
 * A problem never holds a credential: the password of a URL is masked, and the value of a
 * setting marked `secret` is not shown at all.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface Setting<T> {
  readonly env: string;
  readonly description: string;
  /** Default as it would be written in `.env`; may depend on other variables (e.g. the deployment mode). */
  readonly defaultValue: string | ((env: Env) => string);
  /** Required (no default applies) when this returns a reason, e.g. `EVENT_BUS=kafka`. */
  readonly requiredWhen?: (env: Env) => string | undefined;
  /**
   * A credential (a key, token or password): a refused value is never printed, only the
   * variable and its rule. Its rules must not quote the value in their messages either.
   */
  readonly secret?: boolean;
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
  secret?: boolean,
): Setting<T> {
  return { env, defaultValue, description, parse, requiredWhen, ...(secret ? { secret } : {}) };
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
      /** A credential: never printed (see `Setting.secret`). */
      secret?: boolean;
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
      opts.secret,
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

  /** An absolute URL, returned without trailing slashes. */
  url(
    env: string,
    defaultValue: Setting<string>['defaultValue'],
    description: string,
    opts: {
      requiredWhen?: Setting<string>['requiredWhen'];
      optional?: boolean;
      /** The schemes it may have, e.g. `['redis:', 'rediss:']`; then a host is required too. */
      protocols?: readonly string[];
    } = {},
  ): Setting<string> {
    const protocols = opts.protocols;
    const rule = protocols
      ? `must be a URL starting with ${protocols.map((protocol) => `${protocol}//`).join(' or ')}`
      : 'must be an absolute URL';
    return define(
      env,
      defaultValue,
      description,
      (raw) => {
        if (raw === '' && opts.optional) return raw;
        let url: URL;
        try {
          url = new URL(raw);
        } catch {
          throw new Invalid(rule);
        }
        if (protocols && (!protocols.includes(url.protocol) || url.host === '')) throw new Invalid(rule);
        return raw.replace(/\/+$/, '');
      },
      opts.requiredWhen,
    );
  },
};

/**
 * A URL in text, from its scheme to the last `@` before the next white space or the next URL:
 * `scheme://` (group 1), then the user information (group 2) up to that `@`. The last `@`, not
 * the first `/`, `?` or `#`: a password is often written unencoded (`P@ss#word`, base64's `/`),
 * and a value a setting refuses is one no URL parser has vetted. The price is masking too much
 * on the rare URL with an `@` in its path or query (`https://host/@user` → `https://***@user`).
 */
const USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)((?:(?![a-z][a-z0-9+.-]*:\/\/)\S)*)@/gi;

/** What replaces a password (and a user name given without one, often a token). */
const MASK = '***';

/**
 * `text` with the credentials of every URL in it masked: `mongodb://admin:S3cret@db:27017` →
 * `mongodb://admin:***@db:27017` (the user stays, to recognise the account by; `redis://:pw@h` →
 * `redis://:***@h`), and a user name without a password, which is often a token
 * (`https://<token>@host`), masked whole: `https://***@host`. The rest of the text, and URLs
 * without credentials, are left as they are. For error messages, banners and logs that show
 * configured addresses; query-string credentials are `scrubUrl`'s (logging/redaction).
 */
export function redactUrl(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(USER_INFO, (_, scheme: string, userInfo: string) => {
    const colon = userInfo.indexOf(':');
    return `${scheme}${colon < 0 ? MASK : `${userInfo.slice(0, colon)}:${MASK}`}@`;
  });
}

/**
 * `refuse` helper for a secret: `problemOf(bytes)` says the rule a set value of that many bytes
 * breaks (an empty one is `requiredWhen`'s business). A `#` left unquoted in .env cuts a secret
 * short, hence the hint.
 */
export function shortSecretRefusal(
  problemOf: (bytes: number) => string | undefined,
): (value: string) => string | undefined {
  return (value) => {
    const bytes = Buffer.byteLength(value, 'utf8');
    const problem = value === '' ? undefined : problemOf(bytes);
    return (
      problem &&
      `${problem}, got ${bytes} bytes (in .env, quote it if it holds a #: an unquoted # starts a comment)`
    );
  };
}

/** `requiredWhen` helper: the variable must be set when `other` has `value`. */
export function requiredWhenEquals(other: string, value: string): (env: Env) => string | undefined {
  return (env) => (env[other] === value ? `${other}=${value}` : undefined);
}

export function defaultOf(spec: Setting<unknown>, env: Env): string {
  return typeof spec.defaultValue === 'function' ? spec.defaultValue(env) : spec.defaultValue;
}

/**
 * One refused value: the variable, its rule, and the value given, so the operator sees what was
 * read (a `.env` quoting mistake shows). Never a credential: a URL's password is masked wherever
 * it appears, and a secret setting's value is not shown at all.
 */
function problemOf(item: Setting<unknown>, rule: string, value: string): string {
  const given = item.secret ? '(value not shown)' : `(got "${value}")`;
  return redactUrl(`${item.env} ${rule} ${given}`);
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
      problems.push(problemOf(item, error.message, value));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result as SettingsOf<S>;
}
