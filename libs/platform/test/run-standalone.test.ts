import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { compilePlatform, runNodeScript, type NodeProcess } from './support/node-script';

/**
 * A tiny app run the way `node chat-server/dist/main.js` runs the real ones. Its `argv[2]`
 * picks how it behaves: `ok` stops cleanly, `hang` never finishes stopping, `bad-config` and
 * `crash` fail to start; `argv[3]` is its stop bound in ms (`setting`: none, so SHUTDOWN_TIMEOUT_MS's). It prints `ready` once started and
 * `closing` when asked to stop.
 */
const app = `
const http = require('node:http');
const { runStandalone } = require('./service/run-standalone');
const { ConfigError } = require('./config/settings');
const mode = process.argv[2];
runStandalone(async () => {
  if (mode === 'bad-config') throw new ConfigError(['TINY_PORT must be an integer from 0 to 65535 (got "eighty")']);
  if (mode === 'crash') throw new Error('disk on fire');
  if (mode === 'slow') {
    // Still starting when the signal comes: goes on only once the test saw the signal arrive.
    process.on('SIGTERM', () => console.log('signal seen'));
    console.log('starting');
    await new Promise((resolve) => {
      const poll = setInterval(() => require('node:fs').existsSync('go') && (clearInterval(poll), resolve()), 10);
    });
  }
  const server = http.createServer((request, response) => response.end('hi'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  console.log('ready');
  return {
    close: () => {
      console.log('closing');
      return mode === 'hang' ? new Promise(() => {}) : new Promise((resolve) => server.close(resolve));
    },
  };
}, { name: 'tiny-app', timeoutMs: process.argv[3] === 'setting' ? undefined : Number(process.argv[3]) });
`;

describe('runStandalone', () => {
  let dir: string;
  const started: NodeProcess[] = [];

  const start = async (mode: string, timeoutMs: number | 'setting' = 60_000): Promise<NodeProcess> => {
    const child = runNodeScript(dir, app, [mode, String(timeoutMs)]);
    started.push(child);
    if (mode === 'ok' || mode === 'hang')
      await expectEventually(() => expect(child.output()).toContain('ready'));
    return child;
  };

  beforeAll(async () => {
    dir = await compilePlatform([
      'service/run-standalone.ts',
      'service/stop-on-signals.ts',
      'telemetry/telemetry-stop.ts',
      'config/settings.ts',
      'config/platform.settings.ts',
      'config/static-services.ts',
    ]);
  });

  afterAll(() => {
    for (const child of started) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops the app on SIGTERM and exits 0 once it stopped', async () => {
    const child = await start('ok');

    child.kill('SIGTERM');

    expect(await child.exited).toBe(0);
    expect(child.output()).toContain('SIGTERM: stopping tiny-app (new connections refused');
    expect(child.output()).toContain('closing');
    expect(child.output()).toMatch(/\nstopped\n$/);
  });

  it('catches a signal that arrives while the app is starting, and stops it once it is up', async () => {
    const child = runNodeScript(dir, app, ['slow', '60000']);
    started.push(child);
    await expectEventually(() => expect(child.output()).toContain('starting'));

    child.kill('SIGTERM');
    await expectEventually(() => expect(child.output()).toContain('signal seen'));
    writeFileSync(join(dir, 'go'), '');

    expect(await child.exited).toBe(0);
    expect(child.output()).toMatch(/ready\n[^]*SIGTERM: stopping tiny-app[^]*closing\n[^]*stopped\n$/);
  });

  it('stops the same way on SIGINT', async () => {
    const child = await start('ok');

    child.kill('SIGINT');

    expect(await child.exited).toBe(0);
    expect(child.output()).toContain('SIGINT: stopping tiny-app');
  });

  it('exits 1 when stopping takes longer than its bound', async () => {
    const child = await start('hang', 300);

    child.kill('SIGTERM');

    expect(await child.exited).toBe(1);
    expect(child.output()).toContain('closing');
    expect(child.output()).toContain('still stopping after 300 ms; exiting anyway');
    expect(child.output()).not.toContain('\nstopped\n');
  });

  it('bounds the stop by SHUTDOWN_TIMEOUT_MS when the process gives no bound of its own (a service run on its own)', async () => {
    process.env.SHUTDOWN_TIMEOUT_MS = '1500';
    let child: NodeProcess;
    try {
      child = await start('hang', 'setting');
    } finally {
      delete process.env.SHUTDOWN_TIMEOUT_MS;
    }

    child.kill('SIGTERM');

    expect(await child.exited).toBe(1);
    expect(child.output()).toContain('still stopping after 1500 ms; exiting anyway');
  });

  it('ignores a signal repeated at once (npm forwards Ctrl+C), and exits 1 on a later one', async () => {
    const child = await start('hang');

    child.kill('SIGINT');
    child.kill('SIGINT');
    // Keep pressing Ctrl+C until one arrives after the grace period.
    await expectEventually(
      () => {
        child.kill('SIGINT');
        expect(child.output()).toContain('SIGINT again: exiting now');
      },
      { intervalMs: 100 },
    );

    expect(await child.exited).toBe(1);
    expect(child.output().match(/SIGINT: stopping/g)).toHaveLength(1);
    expect(child.output().match(/closing/g)).toHaveLength(1);
  });

  it('prints a bad setting by its message alone and exits 1', async () => {
    const child = await start('bad-config');

    expect(await child.exited).toBe(1);
    expect(child.output()).toContain(
      'Invalid configuration:\n  - TINY_PORT must be an integer from 0 to 65535 (got "eighty")',
    );
    expect(child.output()).not.toMatch(/^\s+at /m);
  });

  it('prints any other start failure in full and exits 1', async () => {
    const child = await start('crash');

    expect(await child.exited).toBe(1);
    expect(child.output()).toContain('Error: disk on fire');
    expect(child.output()).toMatch(/^\s+at /m);
  });
});
