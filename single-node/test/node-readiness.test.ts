import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectEventually,
  freePort,
  startRedisServer,
  type TestRedis,
} from '@playlist-chat/platform/testing';
import { startSingleNode, type SingleNode } from '../src/single-node';

/**
 * The banner's Health URL is the gateway's /health/ready: on a single node it must say whether
 * the node serves, not only whether the gateway's registry answers. Here the chat server's room
 * fan-out is a Redis that is not there yet: the chat server is not ready, and neither is the node.
 */
describe('a single node whose chat server is not ready', () => {
  let dataDir: string;
  let node: SingleNode;
  let redisPort: number;
  let redis: TestRedis | undefined;
  const printed: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'node-readiness-'));
    redisPort = await freePort();
    node = await startSingleNode(
      {
        GATEWAY_PORT: String(await freePort()),
        CHAT_PORT: '0',
        PRESENCE_PORT: '0',
        // Relative, as in .env: the banner says where that is.
        DATA_DIR: relative(process.cwd(), dataDir),
        LOG_LEVEL: 'silent',
        ROOM_FANOUT: 'redis',
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      },
      { print: (text) => printed.push(text) },
    );
  }, 60_000);

  afterAll(async () => {
    await node?.close();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the data folder as an absolute path, whatever DATA_DIR was relative to', () => {
    expect(printed.join('\n')).toContain(`  Data            ${dataDir}\n`);
  });

  it('reports the node not ready at the banner’s Health URL, naming the chat server, until it is', async () => {
    const readiness = async () => {
      const response = await fetch(`${node.gateway.url}/health/ready`);
      return { status: response.status, body: JSON.stringify(await response.json()) };
    };
    await expectEventually(
      async () => {
        const { status, body } = await readiness();
        expect(status).toBe(503);
        expect(body).toContain('chat-server');
      },
      { timeoutMs: 20_000 },
    );
    // The chat server's own check says why.
    const chat = await fetch(`${node.chat.url}/health/ready`);
    expect(chat.status).toBe(503);

    redis = await startRedisServer({ port: redisPort });

    await expectEventually(async () => expect((await readiness()).status).toBe(200), { timeoutMs: 30_000 });
    const sign = await fetch(`${node.gateway.url}/v1/api/auth/dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid: 'ready-1', nickName: 'Ready' }),
    });
    expect(sign.status).toBe(200);
    expect(await sign.json()).toHaveProperty('accessToken');
  }, 90_000);
});
