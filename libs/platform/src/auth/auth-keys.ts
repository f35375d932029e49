import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importSPKI, type CryptoKey } from 'jose';
import type { AuthSettings } from './auth.settings';

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
 * A failure (a full disk, a read-only folder) leaves no temporary file behind and names the
 * file and the cause.
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
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw failed('read', error);
  }
  const candidate = join(dataDir, `${AUTH_SECRET_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(candidate, randomBytes(48).toString('base64url'), { mode: 0o600 });
    linkSync(candidate, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      rmSync(candidate, { force: true });
      throw failed('write', error);
    }
  }
  rmSync(candidate, { force: true });
  return readFileSync(path, 'utf8').trim();
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

export async function resolveAuthKeys(options: AuthOptions): Promise<AuthKeys> {
  const secret = !usesHmac(options)
    ? ''
    : options.jwtSecret || (options.mode === 'single' ? generatedSecret(options.dataDir) : '');
  // `.env` files carry PEM blocks on one line with literal \n.
  const pem = options.jwtPublicKey.replace(/\\n/g, '\n');
  return {
    hmacSecret: secret ? new TextEncoder().encode(secret) : null,
    rsaPublicKey: pem ? await importSPKI(pem, 'RS256') : null,
    issuer: options.jwtIssuer || null,
    clockToleranceSeconds: options.clockToleranceSeconds,
    maxLifetimeSeconds: options.maxTokenLifetimeSeconds,
  };
}
