import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@playlist-chat/platform/testing';
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
      await expect(startSingleNode(env, { print: () => {} })).rejects.toThrow(/EADDRINUSE/);
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
