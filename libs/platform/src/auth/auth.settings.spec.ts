import { generateKeyPairSync } from 'node:crypto';
import { importSPKI } from 'jose';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../config/settings';
import { authSettings } from './auth.settings';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadSettings(authSettings, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
};

const publicPem = (type: 'rsa' | 'ec', modulusLength = 2048): string => {
  const { publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
};

describe('AUTH_JWT_SECRET', () => {
  it('refuses a secret shorter than 32 bytes (RFC 7518 §3.2), naming the rule, never the value', () => {
    // What an unquoted `AUTH_JWT_SECRET=Kx9#mQ2pL7vR4tY8wZ1aB5cD3eF6gH0jK` in .env is read as.
    const problems = problemsOf({ AUTH_JWT_SECRET: 'Kx9' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^AUTH_JWT_SECRET must be at least 32 bytes \(256 bits, RFC 7518 §3\.2\)/);
    expect(problems[0]).toContain('got 3 bytes');
    expect(problems[0]).toContain('quote it');
    expect(problems[0]).not.toContain('Kx9');
  });

  it('counts bytes, not characters', () => {
    expect(problemsOf({ AUTH_JWT_SECRET: 'é'.repeat(16) })).toEqual([]); // 32 bytes in UTF-8
    expect(problemsOf({ AUTH_JWT_SECRET: 'x'.repeat(31) })).toHaveLength(1);
  });

  it('takes a secret of 32 bytes or more, and empty (generated in single node)', () => {
    expect(loadSettings(authSettings, { AUTH_JWT_SECRET: 'x'.repeat(32) }).jwtSecret).toBe('x'.repeat(32));
    expect(loadSettings(authSettings, {}).jwtSecret).toBe('');
  });

  it('is marked secret', () => {
    expect(authSettings.jwtSecret.secret).toBe(true);
  });
});

describe('AUTH_JWT_PUBLIC_KEY is read as a key at start-up', () => {
  const off = { AUTH_DEV_TOKENS: 'false' };

  it('refuses a PEM block that holds no key, naming the variable instead of a DataError stack trace', () => {
    const problems = problemsOf({
      ...off,
      AUTH_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----garbage-----END PUBLIC KEY-----',
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^AUTH_JWT_PUBLIC_KEY is not a readable public key \(SPKI\)/);
    expect(problems[0]).toContain('(value not shown)');
  });

  it('refuses a private key, without echoing it', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const problems = problemsOf({ ...off, AUTH_JWT_PUBLIC_KEY: pem });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^AUTH_JWT_PUBLIC_KEY holds a private key/);
    expect(problems[0]).not.toContain(pem.split('\n')[1]);
  });

  it('refuses a key RS256 cannot use: not RSA, or under 2048 bits', () => {
    expect(problemsOf({ ...off, AUTH_JWT_PUBLIC_KEY: publicPem('ec') })).toEqual([
      'AUTH_JWT_PUBLIC_KEY must be an RSA key (RS256), not ec (value not shown)',
    ]);
    expect(problemsOf({ ...off, AUTH_JWT_PUBLIC_KEY: publicPem('rsa', 1024) })).toEqual([
      'AUTH_JWT_PUBLIC_KEY must be an RSA key of at least 2048 bits (RS256), not 1024 (value not shown)',
    ]);
  });

  it('takes what jose takes: a PEM with line breaks, with literal \\n (.env), or on one line', async () => {
    const pem = publicPem('rsa');
    const oneLineEscaped = pem.trim().replace(/\n/g, '\\n');
    const oneLine = pem.replace(/\n/g, '');
    for (const value of [pem, oneLineEscaped, oneLine]) {
      expect(problemsOf({ ...off, AUTH_JWT_PUBLIC_KEY: value })).toEqual([]);
      await expect(importSPKI(value.replace(/\\n/g, '\n'), 'RS256')).resolves.toBeDefined();
    }
  });

  it('still refuses what is no PEM block at all', () => {
    expect(problemsOf({ ...off, AUTH_JWT_PUBLIC_KEY: 'ssh-rsa AAAAB3Nza' })).toEqual([
      'AUTH_JWT_PUBLIC_KEY must be a PEM "BEGIN PUBLIC KEY" block (use \\n for line breaks in .env) (value not shown)',
    ]);
  });
});
