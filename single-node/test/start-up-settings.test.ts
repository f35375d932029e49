import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
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
