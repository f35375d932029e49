import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestBackend } from './support/backend';
import { startTestGateway, type TestGateway } from './support/gateway';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function gatewayWithChat(
  env: Record<string, string>,
): Promise<{ gateway: TestGateway; chat: TestBackend }> {
  const gateway = await startTestGateway(env);
  cleanups.push(() => gateway.stop());
  const chat = await TestBackend.start('chat-1', 'chat-server');
  cleanups.push(() => chat.stop());
  await chat.register(gateway.registry);
  await expectEventually(() =>
    gateway.registry.healthy('chat-server').then((list) => expect(list).toHaveLength(1)),
  );
  return { gateway, chat };
}

describe('per-client rate limit', () => {
  // One token a minute after the burst: nothing refills while the test runs.
  const limited = {
    GATEWAY_RATE_LIMIT_PER_MIN: '1',
    GATEWAY_RATE_LIMIT_BURST: '3',
    GATEWAY_TRUSTED_PROXIES: '127.0.0.1,::1',
  };

  it('answers 429 with Retry-After once a client used its burst, forwarding nothing more', async () => {
    const { gateway, chat } = await gatewayWithChat(limited);
    const asClient = { 'x-forwarded-for': '198.51.100.1' };

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await fetch(`${gateway.url}/v1/api/rooms/joined`, { headers: asClient })).status);
    const refused = await fetch(`${gateway.url}/v1/api/rooms/joined`, { headers: asClient });

    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'rate-limited',
      message: 'too many requests from this address',
    });
    expect(chat.seen).toHaveLength(3);
  });

  it('counts each client on its own: another address is still served', async () => {
    const { gateway } = await gatewayWithChat(limited);
    for (let i = 0; i < 4; i++)
      await fetch(`${gateway.url}/v1/api/rooms/joined`, { headers: { 'x-forwarded-for': '198.51.100.1' } });

    const other = await fetch(`${gateway.url}/v1/api/rooms/joined`, {
      headers: { 'x-forwarded-for': '198.51.100.2' },
    });

    expect(other.status).toBe(200);
  });

  it('takes the right-most hop that is not a trusted proxy: rotating the left-most one does not help', async () => {
    const { gateway, chat } = await gatewayWithChat(limited);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const forged = `203.0.113.${i}, 198.51.100.9`; // the client writes the first hop, the balancer appends its peer
      statuses.push(
        (await fetch(`${gateway.url}/v1/api/rooms/joined`, { headers: { 'x-forwarded-for': forged } }))
          .status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(chat.seen.map((request) => request.headers['x-real-ip'])).toEqual([
      '198.51.100.9',
      '198.51.100.9',
      '198.51.100.9',
    ]);
  });

  it('limits WebSocket upgrades too', async () => {
    const { gateway } = await gatewayWithChat({ ...limited, GATEWAY_TRUSTED_PROXIES: '' });
    for (let i = 0; i < 3; i++) await fetch(`${gateway.url}/v1/api/rooms/joined`);

    const ws = new WebSocket(`${gateway.url.replace('http', 'ws')}/ws-chat`);
    ws.on('error', () => {});
    const [, response] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
    ws.terminate();

    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBeDefined();
  });

  it('leaves the gateway pages (web client, docs, health) out of the limit', async () => {
    const { gateway } = await gatewayWithChat(limited);
    for (let i = 0; i < 4; i++)
      await fetch(`${gateway.url}/v1/api/rooms/joined`, { headers: { 'x-forwarded-for': '198.51.100.1' } });

    const health = await fetch(`${gateway.url}/health/live`, {
      headers: { 'x-forwarded-for': '198.51.100.1' },
    });

    expect(health.status).toBe(200);
  });
});

describe('CORS allow-list', () => {
  const env = { GATEWAY_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' };

  it('lets a listed origin read responses, with preflight answered by the gateway', async () => {
    const { gateway, chat } = await gatewayWithChat(env);

    const preflight = await fetch(`${gateway.url}/v1/api/rooms/create`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    const actual = await fetch(`${gateway.url}/v1/api/rooms/joined`, {
      headers: { origin: 'https://app.example.com' },
    });

    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(actual.status).toBe(200);
    expect(actual.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(actual.headers.get('access-control-expose-headers')).toContain('x-request-id');
    expect(chat.seen.map((seen) => seen.method)).toEqual(['GET']);
  });

  it('lets a listed origin read the response headers the API documents (X-Next-Cursor pages room lists)', async () => {
    const { gateway, chat } = await gatewayWithChat(env);
    chat.behaviour = { headers: { 'x-next-cursor': 'next-page' } };

    const response = await fetch(`${gateway.url}/v1/api/rooms/joined`, {
      headers: { origin: 'http://localhost:5173' },
    });

    expect(response.headers.get('x-next-cursor')).toBe('next-page');
    const exposed = response.headers.get('access-control-expose-headers')?.split(',');
    expect(exposed).toEqual(expect.arrayContaining(['x-next-cursor', 'retry-after', 'allow']));
  });

  it('gives an unlisted origin no CORS headers, and drops the ones an instance sets itself', async () => {
    const { gateway, chat } = await gatewayWithChat(env);
    chat.behaviour = { headers: { 'access-control-allow-origin': '*' } };

    const response = await fetch(`${gateway.url}/v1/api/rooms/joined`, {
      headers: { origin: 'https://evil.example.net' },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a malformed allow-list at start-up, naming the variable', async () => {
    await expect(startTestGateway({ GATEWAY_CORS_ORIGINS: 'app.example.com/path' })).rejects.toThrow(
      /GATEWAY_CORS_ORIGINS item "app.example.com\/path" must be \* or an origin/,
    );
  });
});
