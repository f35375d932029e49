import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { dotEnvProblems, loadDotEnv } from './dot-env';

const SECRET = 'Kx9#mQ2pL7vR4tY8wZ1aB5cD3eF6gH0jK';

describe('dotEnvProblems: lines Node reads differently from how they look', () => {
  it('finds an unquoted value cut at a #, naming the variable and the line', () => {
    const text = `# comment\nLOG_LEVEL=info\nAUTH_JWT_SECRET=${SECRET}\n`;
    expect(parseEnv(text).AUTH_JWT_SECRET).toBe('Kx9'); // what the audit found
    expect(dotEnvProblems(text)).toEqual([
      {
        name: 'AUTH_JWT_SECRET',
        line: 3,
        problem: expect.stringMatching(
          /^an unquoted # starts a comment: the value is cut there; quote the value/,
        ),
      },
    ]);
  });

  it('finds a value that is only a comment (KEY=#…)', () => {
    expect(dotEnvProblems('PRESENCE_INTERNAL_TOKEN=#abc\n')).toMatchObject([
      { name: 'PRESENCE_INTERNAL_TOKEN', line: 1 },
    ]);
  });

  it('takes a comment after a space, a quoted #, comment lines and empty values', () => {
    const text = [
      '# --- Platform ---',
      '  # an indented comment with KEY=x#y',
      'LOG_LEVEL=debug # for now',
      "AUTH_JWT_SECRET='Kx9#mQ2pL7vR4tY8wZ1aB5cD3eF6gH0jK'",
      'B="a#b" # note',
      'export C=plain',
      'INSTANCE_ID=',
      'D= "spaced#quoted"',
      '',
    ].join('\n');
    expect(dotEnvProblems(text)).toEqual([]);
  });

  it('finds a quote that is never closed, naming the variable and its line', () => {
    const text = 'A=1\nMONGO_URL="mongodb://mongo:27017/chat\nB=2\n';
    expect(dotEnvProblems(text)).toEqual([
      {
        name: 'MONGO_URL',
        line: 2,
        problem: expect.stringMatching(/^the " that opens the value is never closed/),
      },
    ]);
  });

  it('finds a quote closed only lines later, and names the variables it swallowed', () => {
    const text = ['AUTH_JWT_SECRET="abc', 'AUTH_DEV_TOKENS=false', 'GATEWAY_HOST="0.0.0.0"', 'C=3', ''].join(
      '\n',
    );
    expect(parseEnv(text)).toEqual({ AUTH_JWT_SECRET: 'abc\nAUTH_DEV_TOKENS=false\nGATEWAY_HOST=', C: '3' });
    expect(dotEnvProblems(text)).toEqual([
      {
        name: 'AUTH_JWT_SECRET',
        line: 1,
        problem: expect.stringContaining(
          'the " that opens the value is closed only on line 3: AUTH_DEV_TOKENS, GATEWAY_HOST on the lines up to it are part of this value, not set',
        ),
      },
    ]);
  });

  it('takes a multi-line quoted value that holds no assignment (a PEM block)', () => {
    const text = [
      'AUTH_JWT_PUBLIC_KEY="-----BEGIN PUBLIC KEY-----',
      'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo',
      'AB==',
      '-----END PUBLIC KEY-----"',
      'C=3',
    ].join('\n');
    expect(dotEnvProblems(text)).toEqual([]);
  });

  it('checks only the lines Node reads as assignments, not those inside a multi-line value', () => {
    expect(dotEnvProblems('A="line one\nx#y\nline three"\nB=b#c\n')).toMatchObject([{ name: 'B', line: 4 }]);
  });

  it('numbers lines of a file with CRLF line ends', () => {
    expect(dotEnvProblems('A=1\r\nB=x#y\r\n')).toMatchObject([{ name: 'B', line: 2 }]);
  });

  it('finds nothing in the generated .env', () => {
    const generated = readFileSync(join(__dirname, '..', '..', '..', '..', '.env'), 'utf8');
    expect(dotEnvProblems(generated)).toEqual([]);
  });
});

describe('loadDotEnv warns about them, one line per variable, never with the value', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dot-env-spec-'));
  const file = join(dir, '.env');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('warns and still loads what Node reads, like Node does', () => {
    writeFileSync(file, `LOG_LEVEL=debug\nAUTH_JWT_SECRET=${SECRET}\nMONGO_URL="mongodb://u:pw@db/chat\n`);
    const env: NodeJS.ProcessEnv = {};
    const warnings: string[] = [];

    loadDotEnv(file, env, (line) => warnings.push(line));

    expect(env).toEqual({
      LOG_LEVEL: 'debug',
      AUTH_JWT_SECRET: 'Kx9',
      MONGO_URL: '"mongodb://u:pw@db/chat',
    });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      new RegExp(`^${file} line 2: AUTH_JWT_SECRET: an unquoted # starts a comment`),
    );
    expect(warnings[1]).toMatch(new RegExp(`^${file} line 3: MONGO_URL: the " that opens the value`));
    for (const warning of warnings) {
      expect(warning).not.toMatch(/Kx9|mQ2p|pw@|mongodb:/);
      expect(warning).not.toContain('\n');
    }
  });

  it('writes the warnings to stderr by default', () => {
    writeFileSync(file, 'B=x#y\n');
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      loadDotEnv(file, {});
      expect(write.mock.calls).toEqual([
        [expect.stringMatching(new RegExp(`^${file} line 1: B: an unquoted # .*\\n$`))],
      ]);
    } finally {
      write.mockRestore();
    }
  });
});
