import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { importSPKI, type CryptoKey } from 'jose';
import { ConfigError } from '../config/settings';
import { hmacSecretProblem, MIN_HMAC_SECRET_BYTES, pemOf, type AuthSettings } from './auth.settings';

/** What `AuthModule.forRoot` needs: the auth group plus where single-node secrets live. */
export interface AuthOptions extends AuthSettings {
  readonly mode: 'single' | 'cluster';
  readonly dataDir: string;
}

/** Key material, resolved once per app at start-up. */
export interface AuthKeys {
  /** HS256 secret (configured or generated); null when only RS256 is accepted. */
  readonly hmacSecret: Uint8Array | null;
  readonly rsaPublicKey: CryptoKey | null;
  readonly issuer: string | null;
  readonly clockToleranceSeconds: number;
  /** Longest a token may still be valid for (exp − now), in seconds (default 7 days). */
  readonly maxLifetimeSeconds?: number;
}

export const AUTH_SECRET_FILE = 'auth-secret';

/**
 * Single node with no AUTH_JWT_SECRET: one secret is generated and kept in
 * `${dataDir}/auth-secret`, so tokens survive restarts and every app of the process
 * (chat, presence) verifies the same tokens. Created with link(2) so two apps starting
 * at once agree on one secret: the second link fails and that app reads the winner's file.
 * It is flushed to disk before it is linked, so a crash cannot leave an empty file behind.
 * A failure (a full disk, a read-only folder) leaves no temporary file behind and names the
 * file and the cause. A file that is there but empty or too short (truncated, emptied by hand)
 * is refused with a ConfigError saying what to do, rather than used: an empty one would leave
 * the node up but refusing every token, a short one would sign tokens anyone can forge.
 */
export function generatedSecret(dataDir: string): string {
  const path = join(dataDir, AUTH_SECRET_FILE);
  const failed = (doing: string, error: unknown): Error =>
    new Error(
      `cannot ${doing} the generated AUTH_JWT_SECRET file ${path}: ${(error as Error).message} (free space in DATA_DIR or set AUTH_JWT_SECRET)`,
      { cause: error },
    );
  try {
    // The folder also holds the chat's SQLite file: this user's only, as the secret is.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw failed('create the folder of', error);
  }
  try {
    return checkedSecret(path, readFileSync(path, 'utf8'));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw failed('read', error);
  }
  const candidate = join(dataDir, `${AUTH_SECRET_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    writeDurably(candidate, randomBytes(48).toString('base64url'));
    linkSync(candidate, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      rmSync(candidate, { force: true });
      throw failed('write', error);
    }
  }
  rmSync(candidate, { force: true });
  return checkedSecret(path, readFileSync(path, 'utf8'));
}

/** A new file (this user's only) holding `content`, on disk before this returns. */
function writeDurably(path: string, content: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The secret a generated-secret file holds, or a ConfigError naming the file and what to do. */
function checkedSecret(path: string, content: string): string {
  const secret = content.trim();
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (hmacSecretProblem(bytes) === undefined) return secret;
  const what =
    bytes === 0
      ? 'is empty'
      : `holds ${bytes} bytes, and must hold at least ${MIN_HMAC_SECRET_BYTES} (256 bits, RFC 7518 §3.2)`;
  throw new ConfigError([
    `${path}, this node's HS256 token secret (AUTH_JWT_SECRET is unset), ${what}: either restore it from a backup (npm run backup copies it), or delete it to have a new secret generated (this signs everyone out), or set AUTH_JWT_SECRET`,
  ]);
}

/**
 * Whether HS256 tokens are accepted: with a configured secret, and in single node while dev
 * tokens are on (they are HS256) or no RS256 key is set (then the generated secret signs and
 * verifies). A single node that trusts only an identity provider's RS256 key generates nothing
 * and accepts no HS256 token.
 */
const usesHmac = (options: AuthOptions): boolean =>
  options.jwtSecret !== '' ||
  (options.mode === 'single' && (options.devTokens || options.jwtPublicKey === ''));

/**
 * The HS256 secret the options call for (configured, or generated in single node), or null.
 * Synchronous, so `AuthModule.forRoot` resolves it as the app is declared: a bad secret file
 * then ends start-up as a ConfigError, before Nest builds anything.
 */
export function hmacSecretOf(options: AuthOptions): Uint8Array | null {
  const secret = !usesHmac(options)
    ? ''
    : options.jwtSecret || (options.mode === 'single' ? generatedSecret(options.dataDir) : '');
  return secret ? new TextEncoder().encode(secret) : null;
}

export async function resolveAuthKeys(
  options: AuthOptions,
  hmacSecret: Uint8Array | null = hmacSecretOf(options),
): Promise<AuthKeys> {
  const pem = pemOf(options.jwtPublicKey);
  return {
    hmacSecret,
    rsaPublicKey: pem ? await importSPKI(pem, 'RS256') : null,
    issuer: options.jwtIssuer || null,
    clockToleranceSeconds: options.clockToleranceSeconds,
    maxLifetimeSeconds: options.maxTokenLifetimeSeconds,
  };
}
