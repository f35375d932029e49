import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { expectEventually, freePort } from '@playlist-chat/platform/testing';
import { TestBackend, type Seen } from './support/backend';
import { json, startTestGateway, type TestGateway } from './support/gateway';
import { listInstance } from './support/list-instance';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function gatewayWith(env: Record<string, string> = {}): Promise<TestGateway> {
  const gateway = await startTestGateway(env);
  cleanups.push(() => gateway.stop());
  return gateway;
}

async function backend(name: string, service: string, gateway: TestGateway): Promise<TestBackend> {
  const instance = await TestBackend.start(name, service);
  cleanups.push(() => instance.stop());
  await instance.register(gateway.registry);
  return instance;
}

/** An instance the registry still lists as healthy but whose process is gone (nothing listens on its port). */
async function crashedInstance(id: string, service: string, gateway: TestGateway): Promise<void> {
  const port = await freePort();
  await listInstance(gateway.registry, { id, service, port });
}

const seenVia = async (response: Response): Promise<Seen> => json<Seen>(response);

describe('gateway routing by discovery', () => {
  it('sends /v1/api/** to chat-server and /api/v1/presence/** to presence-server, path and query unchanged', async () => {
    const gateway = await gatewayWith();
    await backend('chat-1', 'chat-server', gateway);
    await backend('presence-1', 'presence-server', gateway);

    const chat = await expectEventually(async () => {
      const response = await fetch(`${gateway.url}/v1/api/rooms/joined?x=1`);
      expect(response.status).toBe(200);
      return seenVia(response);
    });
    const presence = await seenVia(await fetch(`${gateway.url}/api/v1/presence/room-1/on`));

    expect(chat).toMatchObject({ instance: 'chat-1', method: 'GET', url: '/v1/api/rooms/joined?x=1' });
    expect(presence).toMatchObject({ instance: 'presence-1', url: '/api/v1/presence/room-1/on' });
  });

  it('answers a JSON 503 naming the service when it has no healthy instance', async () => {
    const gateway = await gatewayWith();
    await backend('chat-1', 'chat-server', gateway);

    const response = await fetch(`${gateway.url}/api/v1/presence/room-1/on`);

    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'service-unavailable',
      message: 'no healthy presence-server instance',
    });
    const chat = await fetch(`${gateway.url}/v1/api/rooms/joined`);
    expect(chat.status).toBe(200);
  });

  it('spreads requests over healthy instances round robin', async () => {
    const gateway = await gatewayWith();
    await backend('chat-a', 'chat-server', gateway);
    await backend('chat-b', 'chat-server', gateway);
    await backend('chat-c', 'chat-server', gateway);
    await expectEventually(async () => expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200));

    const order: string[] = [];
    for (let i = 0; i < 9; i++)
      order.push((await seenVia(await fetch(`${gateway.url}/v1/api/ping`))).instance);

    expect(order.filter((name) => name === 'chat-a')).toHaveLength(3);
    expect(order.filter((name) => name === 'chat-b')).toHaveLength(3);
    expect(order.filter((name) => name === 'chat-c')).toHaveLength(3);
    expect(order.slice(0, 3).sort()).toEqual(['chat-a', 'chat-b', 'chat-c']);
    expect(order.slice(3, 6)).toEqual(order.slice(0, 3));
  });

  describe('connections to an instance', () => {
    /** `count` requests at once through the gateway; each must be answered 200. */
    const burst = async (gateway: TestGateway, count: number) => {
      const statuses = await Promise.all(
        Array.from({ length: count }, async () => (await fetch(`${gateway.url}/v1/api/ping`)).status),
      );
      expect(statuses.every((status) => status === 200)).toBe(true);
    };

    it('keeps them open between bursts of concurrent requests instead of opening new ones', async () => {
      const gateway = await gatewayWith({ GATEWAY_RATE_LIMIT_PER_MIN: '0' });
      const chat = await backend('chat-1', 'chat-server', gateway);
      await expectEventually(async () =>
        expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200),
      );
      chat.behaviour = { delayMs: 30 }; // so each burst's requests are all at the instance at once

      for (let wave = 0; wave < 5; wave++) await burst(gateway, 100);

      // 500 requests, at most 100 at a time: 100 connections do (101 if the warm-up request's
      // connection was not reused). The proxy's default agent kept 64 idle and reopened the
      // rest for every burst (over 200 connections here).
      expect(chat.requestConnectionCount).toBeLessThanOrEqual(101);
    });

    it('holds at most GATEWAY_UPSTREAM_SOCKETS per instance; the rest wait their turn and are answered', async () => {
      const gateway = await gatewayWith({ GATEWAY_RATE_LIMIT_PER_MIN: '0', GATEWAY_UPSTREAM_SOCKETS: '5' });
      const chat = await backend('chat-1', 'chat-server', gateway);
      await expectEventually(async () =>
        expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200),
      );
      chat.behaviour = { delayMs: 20 };

      await burst(gateway, 40);

      expect(chat.requestConnectionCount).toBeLessThanOrEqual(5);
    });
  });

  it('follows the registry: a new instance gets traffic, a deregistered or failing one stops getting it', async () => {
    const gateway = await gatewayWith();
    const first = await backend('chat-1', 'chat-server', gateway);
    await expectEventually(async () =>
      expect((await seenVia(await fetch(`${gateway.url}/v1/api/ping`))).instance).toBe('chat-1'),
    );

    const second = await backend('chat-2', 'chat-server', gateway);
    await expectEventually(async () =>
      expect((await seenVia(await fetch(`${gateway.url}/v1/api/ping`))).instance).toBe('chat-2'),
    );

    await gateway.registry.deregister('chat-1');
    const after: string[] = [];
    for (let i = 0; i < 4; i++)
      after.push((await seenVia(await fetch(`${gateway.url}/v1/api/ping`))).instance);
    expect(after).toEqual(['chat-2', 'chat-2', 'chat-2', 'chat-2']);

    // The registry's health check (every 100 ms here) notices a stopped instance by itself.
    await second.stop();
    await expectEventually(async () => expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(503));
    expect(first.seen.length + second.seen.length).toBeGreaterThan(0);
  });

  it('resends a request that could not reach an instance to another one, whatever its method, body intact', async () => {
    const gateway = await gatewayWith();
    await crashedInstance('chat-0-crashed', 'chat-server', gateway);
    const live = await backend('chat-1-live', 'chat-server', gateway);
    await expectEventually(async () => expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200));

    const results: Seen[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${gateway.url}/v1/api/chat/api/v1/message`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n: i, text: 'héllo' }),
      });
      expect(response.status).toBe(200);
      results.push(await seenVia(response));
    }

    expect(results.map((seen) => JSON.parse(seen.body) as unknown)).toEqual(
      [0, 1, 2, 3].map((n) => ({ n, text: 'héllo' })),
    );
    expect(live.seen.filter((seen) => seen.method === 'POST')).toHaveLength(4);
  });

  it('does not resend a POST that reached an instance which then failed, but retries a GET', async () => {
    const gateway = await gatewayWith();
    const broken = await backend('chat-a-broken', 'chat-server', gateway);
    const healthy = await backend('chat-b-healthy', 'chat-server', gateway);
    broken.behaviour = { hangUp: true };
    await expectEventually(async () =>
      expect((await fetch(`${gateway.url}/v1/api/warm-up`)).status).toBe(200),
    );
    broken.seen.length = 0;
    healthy.seen.length = 0;

    const posts = [];
    for (let i = 0; i < 2; i++) {
      posts.push(
        await fetch(`${gateway.url}/v1/api/rooms/create`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: `{"n":${i}}`,
        }),
      );
    }
    const gets = [];
    for (let i = 0; i < 2; i++) gets.push(await fetch(`${gateway.url}/v1/api/rooms/joined`));

    // One POST hit the broken instance: 502, and the healthy one never saw it (no double create).
    expect(posts.map((response) => response.status).sort()).toEqual([200, 502]);
    const failed = posts.find((response) => response.status === 502)!;
    expect(await failed.json()).toMatchObject({
      statusCode: 502,
      error: 'Bad Gateway',
      message: 'chat-server could not be reached',
    });
    expect(healthy.seen.filter((seen) => seen.method === 'POST')).toHaveLength(1);
    expect(broken.seen.filter((seen) => seen.method === 'POST')).toHaveLength(1);
    // Every GET succeeded, the ones that met the broken instance by a retry.
    expect(gets.map((response) => response.status)).toEqual([200, 200]);
    expect(healthy.seen.filter((seen) => seen.method === 'GET')).toHaveLength(2);
  });

  it('answers 504 when an instance does not answer in time, 502 when none can be reached', async () => {
    const gateway = await gatewayWith({ GATEWAY_PROXY_TIMEOUT_MS: '300', GATEWAY_RETRIES: '0' });
    const slow = await backend('chat-slow', 'chat-server', gateway);
    slow.behaviour = { delayMs: 3_000 };

    const response = await expectEventually(async () => {
      const answer = await fetch(`${gateway.url}/v1/api/rooms/create`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(answer.status).toBe(504);
      return answer;
    });
    expect(await response.json()).toMatchObject({ statusCode: 504, error: 'Gateway Timeout' });

    await gateway.registry.deregister('chat-slow');
    await crashedInstance('chat-crashed', 'chat-server', gateway);
    await expectEventually(async () => {
      const answer = await fetch(`${gateway.url}/v1/api/rooms/joined`);
      expect(answer.status).toBe(502);
      expect(await answer.json()).toMatchObject({
        statusCode: 502,
        message: 'chat-server could not be reached',
      });
    });
  });

  it('forwards X-Forwarded-For/Proto/Host, a request id (kept or generated) and the trace context', async () => {
    const gateway = await gatewayWith();
    await backend('chat-1', 'chat-server', gateway);
    const host = new URL(gateway.url).host;
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    const generated = await expectEventually(async () => {
      const response = await fetch(`${gateway.url}/v1/api/ping`, {
        headers: { traceparent, tracestate: 'vendor=1', 'x-forwarded-for': '6.6.6.6' },
      });
      expect(response.status).toBe(200);
      return { seen: await seenVia(response), responseId: response.headers.get('x-request-id') };
    });
    const kept = await seenVia(
      await fetch(`${gateway.url}/v1/api/ping`, { headers: { 'x-request-id': 'req-from-client-1' } }),
    );

    expect(generated.seen.headers).toMatchObject({
      'x-real-ip': '127.0.0.1', // the client's own X-Forwarded-For is not believed
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': host,
      traceparent,
      tracestate: 'vendor=1',
    });
    expect(generated.seen.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.responseId).toBe(generated.seen.headers['x-request-id']);
    expect(kept.headers['x-request-id']).toBe('req-from-client-1');
  });

  it('drops hop-by-hop headers and those Connection names before forwarding (RFC 9110 7.6.1)', async () => {
    const gateway = await gatewayWith();
    await backend('chat-1', 'chat-server', gateway);
    await expectEventually(async () => expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200));
    // fetch will not send these headers: a plain node:http request does.
    const seen = await new Promise<Seen>((resolve, reject) => {
      const request = httpRequest(
        `${gateway.url}/v1/api/ping`,
        {
          headers: {
            connection: 'keep-alive, X-Secret',
            'x-secret': 'for the gateway only',
            'keep-alive': 'timeout=99',
            'proxy-authorization': 'Basic eHg6eXk=',
            te: 'trailers',
            'x-kept': 'end to end',
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as Seen));
        },
      );
      request.on('error', reject);
      request.end();
    });
    expect(seen.headers['x-kept']).toBe('end to end');
    for (const header of ['x-secret', 'keep-alive', 'proxy-authorization', 'te'])
      expect(seen.headers[header], header).toBeUndefined();
    expect(seen.headers.connection ?? '').not.toMatch(/x-secret/i);
  });

  it('keeps the forwarded chain from a trusted load balancer', async () => {
    const gateway = await gatewayWith({ GATEWAY_TRUSTED_PROXIES: '127.0.0.1,::1' });
    await backend('chat-1', 'chat-server', gateway);

    const seen = await expectEventually(async () =>
      seenVia(
        await fetch(`${gateway.url}/v1/api/ping`, {
          headers: {
            'x-forwarded-for': '203.0.113.7',
            'x-forwarded-proto': 'https',
            'x-forwarded-host': 'chat.example.com',
          },
        }),
      ),
    );

    expect(seen.headers).toMatchObject({
      'x-real-ip': '203.0.113.7',
      'x-forwarded-for': '203.0.113.7, 127.0.0.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'chat.example.com',
    });
  });

  it('refuses a body larger than GATEWAY_MAX_BODY_BYTES with 413 and forwards nothing', async () => {
    const gateway = await gatewayWith({ GATEWAY_MAX_BODY_BYTES: '2048' });
    const chat = await backend('chat-1', 'chat-server', gateway);
    await expectEventually(async () => expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200));
    chat.seen.length = 0;

    const response = await fetch(`${gateway.url}/v1/api/chat/api/v1/message`, {
      method: 'POST',
      body: 'x'.repeat(4096),
    });

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      statusCode: 413,
      code: 'payload-too-large',
      message: 'request body is larger than 2048 bytes',
    });
    expect(chat.seen).toHaveLength(0);
  });
});
