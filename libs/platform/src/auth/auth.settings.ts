import { isSingleNode } from '../config/platform.settings';
import { setting, type Env, type SettingsOf } from '../config/settings';

const devTokens = setting.bool(
  'AUTH_DEV_TOKENS',
  (env) => String(isSingleNode(env)),
  'Serve POST /v1/api/auth/dev-token (anyone can mint tokens: never in production)',
);

/**
 * Whether AUTH_DEV_TOKENS is on in `env` (on by default in single node), read with the setting's
 * own parser so every spelling it takes (`true`, `1`, `yes`, any case) counts. Lenient, for
 * defaults and rules that depend on it: a value the parser refuses counts as off here, and the
 * loader names it.
 */
export function devTokensOn(env: Env): boolean {
  const raw = env.AUTH_DEV_TOKENS ?? '';
  if (raw.trim() === '') return isSingleNode(env);
  try {
    return devTokens.parse(raw, env);
  } catch {
    return false;
  }
}

/** Where a service listens by default: loopback while anyone may mint tokens, every interface otherwise. */
export const defaultListenHost = (env: Env): string => (devTokensOn(env) ? '127.0.0.1' : '0.0.0.0');

/** A cluster has no shared data folder to keep a generated secret in, so it needs real keys. */
const keyRequired = (env: Env): string | undefined => {
  if (isSingleNode(env)) return undefined;
  if (devTokensOn(env)) return 'AUTH_DEV_TOKENS=true (dev tokens are signed with it)';
  return env.AUTH_JWT_PUBLIC_KEY ? undefined : 'DEPLOYMENT_MODE=cluster and AUTH_JWT_PUBLIC_KEY is empty';
};

/** Access tokens (JWT) shared by every app: how they are verified and whether dev tokens are handed out. */
export const authSettings = {
  jwtSecret: setting.string(
    'AUTH_JWT_SECRET',
    '',
    'HS256 secret for access tokens; single node: empty = generated once into ${DATA_DIR}/auth-secret, unless AUTH_JWT_PUBLIC_KEY is set and AUTH_DEV_TOKENS is off (then HS256 is not accepted)',
    { requiredWhen: keyRequired },
  ),
  jwtPublicKey: setting.string(
    'AUTH_JWT_PUBLIC_KEY',
    '',
    'PEM (SPKI) public key that verifies RS256 access tokens; empty = RS256 not accepted',
    {
      pattern: /^(|-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\s*)$/,
      hint: 'a PEM "BEGIN PUBLIC KEY" block (use \\n for line breaks in .env)',
    },
  ),
  jwtIssuer: setting.string(
    'AUTH_JWT_ISSUER',
    '',
    'Required `iss` claim of access tokens; empty = not checked',
  ),
  clockToleranceSeconds: setting.int(
    'AUTH_CLOCK_TOLERANCE_SECONDS',
    30,
    'Clock skew allowed when checking exp/nbf',
    { min: 0, max: 600 },
  ),
  devTokens,
  devTokenTtlSeconds: setting.int('AUTH_DEV_TOKEN_TTL_SECONDS', 86_400, 'Lifetime of dev tokens', {
    min: 1,
    max: 31_536_000,
  }),
  devTokenScopes: setting.list(
    'AUTH_DEV_TOKEN_SCOPES',
    '',
    'Scopes a dev token may carry (e.g. rooms:create, rooms:admin), comma-separated; empty = dev tokens carry no scope',
    { item: (scope) => (/^[a-z:-]+$/.test(scope) ? undefined : 'is not a scope name') },
  ),
  maxTokenLifetimeSeconds: setting.int(
    'AUTH_MAX_TOKEN_LIFETIME_SECONDS',
    604_800,
    'Longest an access token may still be valid for (exp − now); tokens without exp, or valid for longer, are refused',
    { min: 60, max: 31_536_000 },
  ),
};

export type AuthSettings = SettingsOf<typeof authSettings>;
