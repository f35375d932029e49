import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from './support/run-main';

const STACK_FRAME = /^ {4}at /m;

describe('npm start refuses bad telemetry settings like any other bad setting', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'start-up-settings-'));
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('names a bad OTEL_ variable in the one "Invalid configuration" list with the others, exit 1, no stack trace, nothing started', async () => {
    const { code, output } = await runMain({
      DATA_DIR: dataDir,
      OTEL_BSP_SCHEDULE_DELAY: 'abc',
      GATEWAY_PORT: 'eighty',
      PRESENCE_PORT: 'ninety',
      CHAT_PORT: '0',
    });

    expect(code).toBe(1);
    expect(output).toContain('Invalid configuration:\n  - ');
    expect(output).toContain('  - OTEL_BSP_SCHEDULE_DELAY must be an integer from 10 to 60000 (got "abc")');
    expect(output).toContain('  - PRESENCE_PORT must be an integer from 0 to 65535 (got "ninety")');
    expect(output).toContain('  - GATEWAY_PORT must be an integer from 0 to 65535 (got "eighty")');
    expect(output.match(/Invalid configuration/g)).toHaveLength(1);
    expect(output).not.toMatch(STACK_FRAME);
    expect(output).not.toContain('Starting Nest application');
  });

  it('reports the audit’s case (OTEL_BSP_SCHEDULE_DELAY=abc CHAT_PORT=abc) as a clean refusal, not a crash', async () => {
    const { code, output } = await runMain({
      DATA_DIR: dataDir,
      OTEL_BSP_SCHEDULE_DELAY: 'abc',
      CHAT_PORT: 'abc',
      GATEWAY_PORT: '0',
      PRESENCE_PORT: '0',
    });

    expect(code).toBe(1);
    expect(output).toMatch(/^Invalid configuration:\n {2}- OTEL_BSP_SCHEDULE_DELAY must be/m);
    // The chat server's settings are checked with the rest, before any app starts.
    expect(output).toContain('  - CHAT_PORT must be an integer from 0 to 65535 (got "abc")');
    expect(output.match(/Invalid configuration/g)).toHaveLength(1);
    expect(output).not.toMatch(STACK_FRAME);
    expect(output).not.toContain('ConfigError');
    expect(output).not.toContain('Starting Nest application');
  });

  it("refuses limits one app would overrule: a chat body limit above the gateway's, a drain longer than the stop timeout", async () => {
    const { code, output } = await runMain({
      DATA_DIR: dataDir,
      CHAT_MAX_PLAYLIST_BYTES: '2000000',
      GATEWAY_DRAIN_TIMEOUT_MS: '10000',
      CHAT_PORT: '0',
      GATEWAY_PORT: '0',
      PRESENCE_PORT: '0',
    });

    expect(code).toBe(1);
    expect(output).toContain(
      "  - GATEWAY_MAX_BODY_BYTES (1048576) must be at least the chat server's body limit (2065536, from CHAT_MAX_PLAYLIST_BYTES and CHAT_MAX_CONTENT_LENGTH)",
    );
    expect(output).toContain(
      '  - GATEWAY_DRAIN_TIMEOUT_MS (10000) must be less than SHUTDOWN_TIMEOUT_MS (10000)',
    );
    expect(output.match(/Invalid configuration/g)).toHaveLength(1);
    expect(output).not.toContain('Starting Nest application');
  });

  it('refuses two apps of the node on one port, naming both, instead of blaming another process', async () => {
    const { code, output } = await runMain({
      DATA_DIR: dataDir,
      CHAT_PORT: '28280',
      GATEWAY_PORT: '28280',
      PRESENCE_PORT: '0',
    });

    expect(code).toBe(1);
    expect(output).toContain(
      '  - CHAT_PORT (28280) is also the port of GATEWAY_PORT: each app needs one of its own',
    );
    expect(output).not.toContain('in use by another process');
    expect(output).not.toContain('Starting Nest application');
  });

  it('still names CHAT_PORT once the telemetry settings are fine', async () => {
    const { code, output } = await runMain({
      DATA_DIR: dataDir,
      CHAT_PORT: 'abc',
      GATEWAY_PORT: '0',
      PRESENCE_PORT: '0',
    });

    expect(code).toBe(1);
    expect(output).toContain('  - CHAT_PORT must be an integer from 0 to 65535 (got "abc")');
    expect(output).not.toMatch(STACK_FRAME);
  });

  it.each([
    ['chat-server', { CHAT_PORT: 'abc' }, 'CHAT_PORT'],
    ['presence-server', { PRESENCE_PORT: 'abc' }, 'PRESENCE_PORT'],
    ['gateway', { GATEWAY_PORT: 'abc', DEPLOYMENT_MODE: 'oops' }, 'DEPLOYMENT_MODE'],
  ])(
    '%s on its own names a bad OTEL_ variable with its other bad ones, exit 1, no stack trace',
    async (app, bad, named) => {
      const { code, output } = await runMain(
        { DATA_DIR: dataDir, OTEL_BSP_SCHEDULE_DELAY: 'abc', ...bad },
        `${app}/dist/main.js`,
      );
      expect(code).toBe(1);
      expect(output).toContain('  - OTEL_BSP_SCHEDULE_DELAY must be an integer from 10 to 60000 (got "abc")');
      expect(output).toContain(`  - ${named} `);
      expect(output.match(/Invalid configuration/g)).toHaveLength(1);
      expect(output).not.toMatch(STACK_FRAME);
    },
  );

  it('names the setting to change when an app cannot listen: a port in use, a host that does not resolve', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as AddressInfo).port;
    try {
      const inUse = await runMain({
        DATA_DIR: dataDir,
        CHAT_PORT: String(taken),
        GATEWAY_PORT: '0',
        PRESENCE_PORT: '0',
      });
      expect(inUse.code).toBe(1);
      expect(inUse.output).toContain(
        `Invalid configuration:\n  - CHAT_PORT: 127.0.0.1:${taken} is in use by another process`,
      );
      expect(inUse.output).not.toMatch(STACK_FRAME);
    } finally {
      holder.close();
    }

    // The gateway runs on a thread of its own: its refusal crosses over as the same list.
    const unresolvable = await runMain({
      DATA_DIR: dataDir,
      GATEWAY_HOST: 'nowhere.invalid',
      GATEWAY_PORT: '0',
      CHAT_PORT: '0',
      PRESENCE_PORT: '0',
    });
    expect(unresolvable.code).toBe(1);
    expect(unresolvable.output).toContain(
      'Invalid configuration:\n  - GATEWAY_HOST: "nowhere.invalid" does not resolve to an address of this machine',
    );
    expect(unresolvable.output).not.toMatch(STACK_FRAME);
  });
});

describe('npm start never prints a secret, and refuses one that cannot protect tokens', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'start-up-secrets-'));
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const ports = { CHAT_PORT: '0', GATEWAY_PORT: '0', PRESENCE_PORT: '0' };

  it('names a bad MONGO_URL with its password masked: the password never reaches the output', async () => {
    const { code, output } = await runMain({
      DATA_DIR: dataDir,
      ...ports,
      CHAT_STORE: 'mongo',
      MONGO_URL: 'mongodb://admin:S3cretPassw0rd@db.example:27017',
    });

    expect(code).toBe(1);
    expect(output).toContain('  - MONGO_URL must name the database');
    expect(output).toContain('(got "mongodb://admin:***@db.example:27017")');
    expect(output).not.toContain('S3cretPassw0rd');
    expect(output).not.toMatch(STACK_FRAME);
  });

  it('refuses an AUTH_JWT_SECRET shorter than 32 bytes, naming the rule and never the value', async () => {
    // What `AUTH_JWT_SECRET=Kx9#mQ2pL7vR4tY8wZ1aB5cD3eF6gH0jK`, unquoted in .env, is read as.
    const { code, output } = await runMain({ DATA_DIR: dataDir, ...ports, AUTH_JWT_SECRET: 'Kx9' });

    expect(code).toBe(1);
    expect(output).toContain('Invalid configuration:\n  - AUTH_JWT_SECRET must be at least 32 bytes');
    expect(output).not.toContain('Kx9');
    expect(output).not.toMatch(STACK_FRAME);
    expect(output).not.toContain('Starting Nest application');
  });

  it('refuses an empty auth-secret file, naming it and what to do, instead of starting and refusing every token', async () => {
    const folder = join(dataDir, 'empty-secret');
    mkdirSync(folder);
    writeFileSync(join(folder, 'auth-secret'), '', { mode: 0o600 });

    const { code, output } = await runMain({ DATA_DIR: folder, ...ports, AUTH_JWT_SECRET: '' });

    expect(code).toBe(1);
    expect(output).toContain(`  - ${join(folder, 'auth-secret')}, this node's HS256 token secret`);
    expect(output).toContain('is empty: either restore it from a backup');
    expect(output).toContain('delete it to have a new secret generated');
    expect(output).not.toMatch(STACK_FRAME);
    expect(output).not.toContain('Starting Nest application');
    expect(readdirSync(folder)).toEqual(['auth-secret']); // left for the operator to restore
  });

  it('names a public key that is no key and an address that is no URL, in the one list, before anything starts', async () => {
    const { code, output } = await runMain({
      DATA_DIR: dataDir,
      ...ports,
      AUTH_DEV_TOKENS: 'false',
      AUTH_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----garbage-----END PUBLIC KEY-----',
      SERVICE_REGISTRY: 'consul',
      CONSUL_URL: 'notaurl',
      ROOM_FANOUT: 'redis',
      REDIS_URL: 'notaurl',
    });

    expect(code).toBe(1);
    expect(output).toContain('  - AUTH_JWT_PUBLIC_KEY is not a readable public key');
    expect(output).toContain('  - CONSUL_URL must be a URL starting with http:// or https://');
    expect(output).toContain('  - REDIS_URL must be a URL starting with redis:// or rediss://');
    expect(output.match(/Invalid configuration/g)).toHaveLength(1);
    expect(output).not.toMatch(STACK_FRAME);
    expect(output).not.toContain('Starting Nest application');
  });
});
