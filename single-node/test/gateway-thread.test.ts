import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@playlist-chat/platform';
import { expectEventually, freePort } from '@playlist-chat/platform/testing';
import { startGatewayThread } from '../src/gateway-thread-handle';
import { startSingleNode, type SingleNode } from '../src/single-node';

/**
 * Asks `url` from another process while this thread is held busy (as a long synchronous piece
 * of chat-server work would hold it): the child's answer, the status or "timeout".
 */
function askWhileThisThreadIsBusy(url: string, timeoutMs: number): string {
  const script = `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(${timeoutMs}) })
    .then((r) => console.log(r.status), () => console.log('timeout'))`;
  // execFileSync blocks this thread (the chat and presence servers' event loop) until the child ends.
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim();
}

function nodeEnv(dataDir: string, gatewayThread: boolean, gatewayPort: number): Record<string, string> {
  return {
    GATEWAY_PORT: String(gatewayPort),
    CHAT_PORT: '0',
    PRESENCE_PORT: '0',
    DATA_DIR: dataDir,
    AUTH_JWT_SECRET: 'gateway-thread-test-secret-long-enough-for-hs256',
    LOG_LEVEL: 'error',
    SINGLE_NODE_GATEWAY_THREAD: String(gatewayThread),
  };
}

describe.each([
  { gatewayThread: true, whileBusy: '200' },
  { gatewayThread: false, whileBusy: 'timeout' },
])('single node, SINGLE_NODE_GATEWAY_THREAD=$gatewayThread', ({ gatewayThread, whileBusy }) => {
  let dataDir: string;
  let node: SingleNode;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-thread-'));
    node = await startSingleNode(nodeEnv(dataDir, gatewayThread, await freePort()), { print: () => {} });
  });

  afterAll(async () => {
    await node?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('proxies REST to the chat server and answers its own health checks', async () => {
    const refused = await fetch(`${node.gateway.url}/v1/api/rooms/joined`);
    expect(refused.status).toBe(401); // the chat server's token guard, reached through the proxy
    expect(refused.headers.get('x-request-id')).toBeTruthy();
    expect((await fetch(`${node.gateway.url}/health/ready`)).status).toBe(200);
  });

  it(`while the chat server's thread is busy, the gateway's own pages answer: ${whileBusy}`, () => {
    expect(askWhileThisThreadIsBusy(`${node.gateway.url}/health/live`, 1_500)).toBe(whileBusy);
  });
});

describe('single node: a gateway that cannot start', () => {
  let taken: Server;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-thread-'));
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([true, false])(
    'fails the start with its reason and stops the apps already started (thread: %s)',
    async (gatewayThread) => {
      const takenPort = (taken.address() as { port: number }).port;
      const chatPort = await freePort();
      const env = { ...nodeEnv(dataDir, gatewayThread, takenPort), CHAT_PORT: String(chatPort) };
      await expect(startSingleNode(env, { print: () => {} })).rejects.toThrow(
        /GATEWAY_PORT: 127\.0\.0\.1:\d+ is in use by another process/,
      );
      // The chat server it had started let its port go.
      const again = createServer();
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject);
        again.listen(chatPort, '127.0.0.1', resolve);
      });
      await new Promise((resolve) => again.close(resolve));
    },
  );
});

describe('the gateway thread handle, with stand-in workers', () => {
  let dir: string;
  const upstreams = { chat: 'http://127.0.0.1:1', presence: 'http://127.0.0.1:2' };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-thread-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A worker script of `body` (CommonJS, `parentPort` in scope). */
  function worker(name: string, body: string): string {
    const path = join(dir, `${name}.js`);
    writeFileSync(path, `const { parentPort } = require('node:worker_threads');\n${body}\n`);
    return path;
  }

  it('a thread that dies while running is reported, and closing it afterwards just resolves', async () => {
    const failures: Error[] = [];
    const gateway = await startGatewayThread(
      {},
      upstreams,
      (error) => failures.push(error),
      worker(
        'dies',
        `parentPort.postMessage({ type: 'listening', url: 'http://127.0.0.1:9', port: 9 });
         setTimeout(() => { throw new Error('boom in the gateway'); }, 50);`,
      ),
    );
    expect(gateway.url).toBe('http://127.0.0.1:9');
    await expectEventually(() =>
      expect(failures.map((error) => error.message)).toContain('boom in the gateway'),
    );
    await gateway.close();
  });

  it('a thread that exits before it listens fails the start with its exit code', async () => {
    await expect(
      startGatewayThread({}, upstreams, () => {}, worker('exits', 'process.exit(3);')),
    ).rejects.toThrow('the gateway thread exited with 3 before it listened');
  });

  it('a thread that reports bad settings fails the start with a ConfigError naming them', async () => {
    const start = startGatewayThread(
      {},
      upstreams,
      () => {},
      worker(
        'bad-settings',
        `parentPort.postMessage({ type: 'failed', error: 'x', problems: ['GATEWAY_PORT: not a port'] });`,
      ),
    );
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow('GATEWAY_PORT: not a port');
  });

  it('closing asks the thread to stop and waits for its answer', async () => {
    const gateway = await startGatewayThread(
      {},
      upstreams,
      () => {},
      worker(
        'stops',
        `parentPort.postMessage({ type: 'listening', url: 'http://127.0.0.1:9', port: 9 });
         parentPort.on('message', (m) => { if (m.type === 'close') setTimeout(() => parentPort.postMessage({ type: 'closed', error: 'drain cut short' }), 20); });`,
      ),
    );
    await expect(gateway.close()).rejects.toThrow('the gateway did not stop cleanly: drain cut short');
  });
});
