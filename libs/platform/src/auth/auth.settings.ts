import { createPublicKey, type KeyObject } from 'node:crypto';
import { isSingleNode } from '../config/platform.settings';
import { setting, shortSecretRefusal, type Env, type SettingsOf } from '../config/settings';

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

/**
 * Shortest HS256 secret, in bytes: RFC 7518 §3.2, "a key of the same size as the hash output
 * (for instance, 256 bits for HS256) or larger MUST be used". Also the generated secret's floor.
 */
export const MIN_HMAC_SECRET_BYTES = 32;

/** The rule an HS256 secret of `bytes` bytes breaks (`must …`), or undefined. */
export function hmacSecretProblem(bytes: number): string | undefined {
  return bytes >= MIN_HMAC_SECRET_BYTES
    ? undefined
    : `must be at least ${MIN_HMAC_SECRET_BYTES} bytes (256 bits, RFC 7518 §3.2)`;
}

/** Shortest RSA modulus jose takes for RS256: a shorter key would fail every token, at verification. */
const MIN_RSA_BITS = 2048;

/** An AUTH_JWT_PUBLIC_KEY value as PEM: `.env` files carry a PEM block on one line, with literal \\n. */
export const pemOf = (value: string): string => value.replace(/\\n/g, '\n');

/**
 * The public key an AUTH_JWT_PUBLIC_KEY value holds, read as `resolveAuthKeys` reads it (jose's
 * `importSPKI`: literal `\n` from `.env` turned into line breaks, then the base64 between the
 * BEGIN/END lines, white space ignored, so a block on one line is taken too). Throws when it
 * holds none.
 */
function publicKeyOf(value: string): KeyObject {
  const body = pemOf(value).replace(/-----(BEGIN|END) PUBLIC KEY-----|\s/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new Error('its body is not base64');
  return createPublicKey({ key: Buffer.from(body, 'base64'), format: 'der', type: 'spki' });
}

/** Why a value cannot verify RS256 tokens (to follow the variable's name), or undefined. */
function rs256KeyProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value))
    return 'holds a private key, which no server here needs: set the public key only (openssl pkey -in key.pem -pubout)';
  if (!/^-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\s*$/.test(value))
    return 'must be a PEM "BEGIN PUBLIC KEY" block (use \\n for line breaks in .env)';
  let key: KeyObject;
  try {
    key = publicKeyOf(value);
  } catch (error) {
    return `is not a readable public key (SPKI): ${(error as Error).message}`;
  }
  if (key.asymmetricKeyType !== 'rsa') return `must be an RSA key (RS256), not ${key.asymmetricKeyType}`;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return bits < MIN_RSA_BITS
    ? `must be an RSA key of at least ${MIN_RSA_BITS} bits (RS256), not ${bits}`
    : undefined;
}

/** Access tokens (JWT) shared by every app: how they are verified and whether dev tokens are handed out. */
export const authSettings = {
  jwtSecret: setting.string(
    'AUTH_JWT_SECRET',
    '',
    'HS256 secret for access tokens, at least 32 bytes (e.g. openssl rand -base64 48); single node: empty = generated once into ${DATA_DIR}/auth-secret, unless AUTH_JWT_PUBLIC_KEY is set and AUTH_DEV_TOKENS is off (then HS256 is not accepted)',
    {
      requiredWhen: keyRequired,
      secret: true,
      // A short secret can be guessed offline from one token; a # left unquoted in .env cuts it short.
      refuse: shortSecretRefusal(hmacSecretProblem),
    },
  ),
  jwtPublicKey: setting.string(
    'AUTH_JWT_PUBLIC_KEY',
    '',
    'PEM (SPKI) public key (RSA, 2048 bits or more) that verifies RS256 access tokens; empty = RS256 not accepted',
    {
      // Read now, so a bad key is named with the other bad settings, not a DataError in start-up.
      refuse: rs256KeyProblem,
      // Public, but a private key pasted here by mistake must not reach the logs.
      secret: true,
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
