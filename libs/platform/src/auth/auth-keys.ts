import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
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
 */
export function generatedSecret(dataDir: string): string {
  const path = join(dataDir, AUTH_SECRET_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const candidate = join(dataDir, `${AUTH_SECRET_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(candidate, randomBytes(48).toString('base64url'), { mode: 0o600 });
  try {
    linkSync(candidate, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(candidate);
  }
  return readFileSync(path, 'utf8').trim();
}

export async function resolveAuthKeys(options: AuthOptions): Promise<AuthKeys> {
  const secret = options.jwtSecret || (options.mode === 'single' ? generatedSecret(options.dataDir) : '');
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
