import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/settings';
import { AUTH_SECRET_FILE, generatedSecret, type AuthOptions } from './auth-keys';
import { AuthModule } from './auth.module';

const folders: string[] = [];
const dataDir = (secretFile?: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'auth-keys-'));
  folders.push(dir);
  if (secretFile !== undefined) writeFileSync(join(dir, AUTH_SECRET_FILE), secretFile, { mode: 0o600 });
  return dir;
};

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('not refused');
};

const singleNode = (dir: string): AuthOptions => ({
  mode: 'single',
  dataDir: dir,
  jwtSecret: '',
  jwtPublicKey: '',
  jwtIssuer: '',
  clockToleranceSeconds: 30,
  devTokens: true,
  devTokenTtlSeconds: 60,
  devTokenScopes: [],
  maxTokenLifetimeSeconds: 3600,
});

afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('generatedSecret (single node, AUTH_JWT_SECRET unset)', () => {
  it('generates a secret of 64 characters once, and reads the same one back', () => {
    const dir = dataDir();
    const secret = generatedSecret(dir);
    expect(secret).toMatch(/^[\w-]{64}$/);
    expect(generatedSecret(dir)).toBe(secret);
    expect(readFileSync(join(dir, AUTH_SECRET_FILE), 'utf8')).toBe(secret);
  });

  it.each([
    ['empty', ''],
    ['only white space', '  \n'],
  ])('refuses a secret file that is %s, naming the file and what to do', (_, content) => {
    const dir = dataDir(content);
    const message = refusal(() => generatedSecret(dir));
    const path = join(dir, AUTH_SECRET_FILE);
    expect(message).toContain(`${path}, this node's HS256 token secret (AUTH_JWT_SECRET is unset), is empty`);
    expect(message).toContain('delete it to have a new secret generated (this signs everyone out)');
    expect(message).toContain('restore it from a backup');
    expect(readFileSync(path, 'utf8')).toBe(content); // left as it is, for the operator to decide
  });

  it('refuses a secret file shorter than 32 bytes, without printing it', () => {
    const dir = dataDir('short-secret\n');
    const message = refusal(() => generatedSecret(dir));
    expect(message).toContain(`${join(dir, AUTH_SECRET_FILE)}, this node's HS256 token secret`);
    expect(message).toContain('holds 12 bytes, and must hold at least 32');
    expect(message).not.toContain('short-secret');
  });

  it('takes a secret file of 32 bytes', () => {
    expect(generatedSecret(dataDir(`${'k'.repeat(32)}\n`))).toBe('k'.repeat(32));
  });
});

describe('AuthModule.forRoot', () => {
  it('refuses a bad secret file as it is declared, before Nest builds anything (so no stack trace)', () => {
    const dir = dataDir('');
    expect(refusal(() => AuthModule.forRoot(singleNode(dir)))).toMatch(/auth-secret, .* is empty/);
  });

  it('reads no secret file when HS256 is not in use', () => {
    const dir = dataDir('');
    const rs256Only = { ...singleNode(dir), devTokens: false, jwtPublicKey: 'configured' };
    expect(() => AuthModule.forRoot(rs256Only)).not.toThrow();
  });
});
