import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { expectEventually, freePort } from '@playlist-chat/platform/testing';
import { TestBackend } from './support/backend';

const main = join(__dirname, '..', 'dist', 'main.js');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `node gateway/dist/main.js`, as docker compose runs it, routing to `chat` by a static registry. */
async function standaloneGateway(
  chat: TestBackend,
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      LOG_LEVEL: 'info',
      GATEWAY_PORT: String(port),
      SERVICE_REGISTRY: 'static',
      STATIC_SERVICES: `chat-server=${chat.url}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  return { url: `http://127.0.0.1:${port}`, child, output: () => output };
}

describe('a gateway run on its own (node gateway/dist/main.js)', () => {
  it('drains for GATEWAY_DRAIN_TIMEOUT_MS past 10 s when SHUTDOWN_TIMEOUT_MS allows it, and exits 0', async () => {
    const chat = await TestBackend.start('chat-1', 'chat-server');
    cleanups.push(() => chat.stop());
    const gateway = await standaloneGateway(chat, {
      GATEWAY_DRAIN_TIMEOUT_MS: '14000',
      SHUTDOWN_TIMEOUT_MS: '16000',
    });
    await expectEventually(async () => expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200), {
      timeoutMs: 15_000,
    });
    // An answer that takes longer than the 10 s every standalone process used to be given to stop.
    chat.behaviour = { delayMs: 11_000 };
    const inFlight = fetch(`${gateway.url}/v1/api/slow`);
    await expectEventually(() => expect(chat.seen.map((seen) => seen.url)).toContain('/v1/api/slow'));
    const exited = once(gateway.child, 'exit');
    gateway.child.kill('SIGTERM');

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ url: '/v1/api/slow' });
    const [code] = (await exited) as [number | null];
    expect(gateway.output()).not.toContain('exiting anyway');
    expect(code).toBe(0);
  }, 40_000);

  it('refuses to start with a drain as long as SHUTDOWN_TIMEOUT_MS, naming both', async () => {
    const chat = await TestBackend.start('chat-1', 'chat-server');
    cleanups.push(() => chat.stop());
    const gateway = await standaloneGateway(chat, { GATEWAY_DRAIN_TIMEOUT_MS: '10000' });
    const [code] = (await once(gateway.child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(gateway.output()).toContain(
      'GATEWAY_DRAIN_TIMEOUT_MS (10000) must be less than SHUTDOWN_TIMEOUT_MS (10000)',
    );
  });
});
