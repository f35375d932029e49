import { Logger } from '@nestjs/common';
import { request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectEventually, freePort, metricSample } from '@playlist-chat/platform/testing';
import { FaultyUpstream, type Misbehaviour } from './support/faulty-upstream';
import { startTestGateway, type TestGateway } from './support/gateway';
import { listInstance } from './support/list-instance';

// The gateway runs in this process: a rejection or exception it leaves behind lands here.
const strays: unknown[] = [];
const noteStray = (error: unknown) => strays.push(error);
const cleanups: (() => Promise<void>)[] = [];
beforeEach(() => {
  strays.length = 0;
  process.on('unhandledRejection', noteStray);
  process.on('uncaughtException', noteStray);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
  process.off('unhandledRejection', noteStray);
  process.off('uncaughtException', noteStray);
  expect(strays).toEqual([]);
});

async function gatewayWith(env: Record<string, string> = {}): Promise<TestGateway> {
  const gateway = await startTestGateway({ GATEWAY_RATE_LIMIT_PER_MIN: '0', ...env });
  cleanups.push(() => gateway.stop());
  return gateway;
}

async function upstream(
  name: string,
  gateway: TestGateway,
  answer: Misbehaviour,
  service = 'chat-server',
): Promise<FaultyUpstream> {
  const instance = await FaultyUpstream.start(name, service, answer);
  cleanups.push(() => instance.stop());
  await instance.register(gateway.registry);
  return instance;
}

/** The gateway's warnings or errors (its Logger calls, whatever LOG_LEVEL lets through to the output). */
function warnings(level: 'warn' | 'error' = 'warn'): string[] {
  const seen: string[] = [];
  vi.spyOn(Logger.prototype, level).mockImplementation((message: unknown) => {
    seen.push(String(message));
  });
  return seen;
}

/** What a client got: `complete` only when the body ended as its framing said (node:http's `res.complete`). */
interface Outcome {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: Buffer;
  readonly complete: boolean;
  readonly ms: number;
}

interface Send {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sent chunked, in these pieces, instead of with a content-length. */
  chunks?: Buffer[];
}

/**
 * One request on a connection of its own (node:http, which shows framing and repeated headers as
 * they came), asking for keep-alive like a browser, so that the gateway has no reason of its own to
 * answer `Connection: close`.
 */
function send(url: string, { method = 'GET', headers = {}, body, chunks }: Send = {}): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const options = { method, headers: { connection: 'keep-alive', ...headers }, agent: false };
    const request = httpRequest(url, options, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('error', () => undefined); // a cut answer: `complete` says so
      response.on('close', () => {
        request.destroy();
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          rawHeaders: response.rawHeaders,
          body: Buffer.concat(parts),
          complete: response.complete,
          ms: Date.now() - started,
        });
      });
    });
    request.on('error', reject);
    if (chunks) for (const chunk of chunks) request.write(chunk);
    request.end(body);
  });
}

/** Raw header lines named `name` (case-insensitive), as the client received them. */
function rawValues(outcome: Outcome, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < outcome.rawHeaders.length; i += 2)
    if (outcome.rawHeaders[i].toLowerCase() === name) values.push(outcome.rawHeaders[i + 1]);
  return values;
}

const never: Misbehaviour = () => undefined;
const ok: Misbehaviour = (_req, res, received) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ url: received.url }));
};
/** Headers, then a piece of body every 20 ms until the connection goes. */
const trickle: Misbehaviour = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  const timer = setInterval(() => res.write('tick\n'), 20);
  res.once('close', () => clearInterval(timer));
  res.write('tick\n');
};

/** The value of the series `name` on the gateway's /metrics with these labels among its own (0 when it is not there). */
async function metric(gateway: TestGateway, name: string, labels: Record<string, string>): Promise<number> {
  return metricSample(await (await fetch(`${gateway.url}/metrics`)).text(), name, labels);
}

async function served(gateway: TestGateway, path = '/v1/api/ping'): Promise<void> {
  const after = await send(`${gateway.url}${path}`);
  expect(after.status).toBe(200);
  expect(after.complete).toBe(true);
}

/**
 * The instance's request was cut within a second of the client leaving at `left`, no instance
 * was blamed in the log, and the gateway serves the next request through it.
 */
async function expectCutWithClient(
  gateway: TestGateway,
  instance: FaultyUpstream,
  left: number,
  warned: string[],
): Promise<void> {
  await expectEventually(() => expect(instance.received[0].cutAt).toBeDefined(), { timeoutMs: 2_000 });
  expect(instance.received[0].cutAt! - left).toBeLessThan(1_000);
  instance.answer = ok;
  await served(gateway);
  expect(warned).toEqual([]); // the client left: no instance is blamed
}

describe('HTTP proxy under faults', () => {
  describe('the client leaves before the answer is done', () => {
    it('aborts the upstream request when the client leaves before the answer started, and tries no other instance', async () => {
      const warned = warnings();
      const gateway = await gatewayWith({ GATEWAY_PROXY_TIMEOUT_MS: '2000' });
      const first = await upstream('chat-a', gateway, never);
      const second = await upstream('chat-b', gateway, never);

      const request = httpRequest(`${gateway.url}/v1/api/slow`, { agent: false });
      request.on('error', () => undefined);
      request.end();
      await expectEventually(() => expect(first.received.length + second.received.length).toBe(1));
      const reached = first.received.length === 1 ? first : second;
      const other = reached === first ? second : first;
      const left = Date.now();
      request.destroy();

      // Well before GATEWAY_PROXY_TIMEOUT_MS, whose expiry would cut it anyway.
      await expectEventually(() => expect(reached.received[0].cutAt).toBeDefined(), { timeoutMs: 1_500 });
      expect(reached.received[0].cutAt! - left).toBeLessThan(1_000);
      // Past the time the timeout would have fired: a gone client's GET is not resent anywhere.
      await sleep(2_300);
      expect(other.received).toHaveLength(0);
      reached.answer = ok;
      other.answer = ok;
      await served(gateway);
      expect(warned).toEqual([]); // the client left: no instance is blamed
    });

    it('aborts the upstream request when the client leaves in the middle of a slow answer', async () => {
      const warned = warnings();
      const gateway = await gatewayWith({ GATEWAY_PROXY_TIMEOUT_MS: '3000' });
      const chat = await upstream('chat-1', gateway, trickle);

      const left = await new Promise<number>((resolve, reject) => {
        const request = httpRequest(`${gateway.url}/v1/api/stream`, { agent: false }, (response) => {
          response.once('data', () => {
            request.destroy();
            resolve(Date.now());
          });
        });
        request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
        request.end();
      });

      await expectCutWithClient(gateway, chat, left, warned);
    });

    it('aborts the upstream request when the client stops reading a large answer and leaves', async () => {
      const warned = warnings();
      const gateway = await gatewayWith({ GATEWAY_PROXY_TIMEOUT_MS: '3000' });
      const big = Buffer.alloc(64 * 1024 * 1024, 'x');
      const chat = await upstream('chat-1', gateway, (_req, res) => {
        res.writeHead(200, { 'content-length': String(big.length) });
        res.end(big);
      });

      // A raw socket that reads the headers, then nothing (the gateway's writes back up), then goes.
      const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('GET /v1/api/big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.pause();
      await sleep(300);
      const left = Date.now();
      socket.destroy();

      await expectCutWithClient(gateway, chat, left, warned);
    });

    it('forwards nothing and logs no error when the client leaves while sending its body', async () => {
      const errors = warnings('error');
      const gateway = await gatewayWith();
      const chat = await upstream('chat-1', gateway, ok);
      await served(gateway);

      const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(
        'POST /v1/api/rooms/create HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
          'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":',
      );
      await sleep(200);
      socket.destroy();
      await sleep(200);

      expect(chat.received.map((received) => received.method)).toEqual(['GET']);
      expect(errors).toEqual([]);
      await served(gateway);
    });
  });

  describe('the upstream dies in the middle of the body', () => {
    const cases: [string, Misbehaviour][] = [
      [
        'with a content-length',
        (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
          res.write('x'.repeat(100), () => setTimeout(() => res.socket?.destroy(), 50));
        },
      ],
      [
        'chunked',
        (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('x'.repeat(100), () => setTimeout(() => res.socket?.destroy(), 50));
        },
      ],
    ];
    for (const [framing, dies] of cases) {
      it(`cuts the client's response too (${framing}), warns, and retries nothing`, async () => {
        const warned = warnings();
        const gateway = await gatewayWith();
        const first = await upstream('chat-a', gateway, dies);
        const second = await upstream('chat-b', gateway, dies);

        const outcome = await send(`${gateway.url}/v1/api/rooms/joined`);

        expect(outcome.status).toBe(200);
        expect(outcome.complete).toBe(false);
        expect(outcome.body.length).toBeLessThan(1000);
        expect(first.received.length + second.received.length).toBe(1);
        // Logged with its cause (not the premature close of the client's response it led to), once
        // the gateway's side of the cut settles, just after the client saw it.
        await expectEventually(() =>
          expect(warned).toEqual([
            expect.stringMatching(
              /^GET \/v1\/api\/rooms\/joined via chat-[ab] failed \(UND_ERR_SOCKET: other side closed\)/,
            ),
          ]),
        );
        first.answer = ok;
        second.answer = ok;
        await served(gateway);
      });
    }
  });

  describe('the upstream does not answer in time', () => {
    it('retries a GET on another instance when the first sends no headers in GATEWAY_PROXY_TIMEOUT_MS', async () => {
      const gateway = await gatewayWith({ GATEWAY_PROXY_TIMEOUT_MS: '400' });
      const silent = await upstream('chat-a-silent', gateway, never);
      const live = await upstream('chat-b-live', gateway, ok);
      const paths = ['/v1/api/one', '/v1/api/two'];

      const outcomes = [];
      for (const path of paths) outcomes.push(await send(`${gateway.url}${path}`));

      expect(outcomes.map((outcome) => outcome.status)).toEqual([200, 200]);
      expect(live.received.map((received) => received.url).sort()).toEqual(paths);
      // Those that met the silent instance first were answered by the live one after the timeout.
      expect(silent.received.length).toBeGreaterThanOrEqual(1);
      for (const { url } of silent.received)
        expect(outcomes[paths.indexOf(url)].ms, url).toBeGreaterThanOrEqual(390);
    });

    it('ejects an instance that sent no headers in GATEWAY_PROXY_TIMEOUT_MS: later requests go straight to the others', async () => {
      const warned = warnings();
      const gateway = await gatewayWith({ GATEWAY_PROXY_TIMEOUT_MS: '400', GATEWAY_EJECT_MS: '60000' });
      const silent = await upstream('chat-a-silent', gateway, never);
      const live = await upstream('chat-b-live', gateway, ok);

      const outcomes = [];
      for (let i = 0; i < 6; i++) outcomes.push(await send(`${gateway.url}/v1/api/ping/${i}`));

      expect(outcomes.map((outcome) => outcome.status)).toEqual([200, 200, 200, 200, 200, 200]);
      // Met once (round robin reaches it on the first or second request), then left alone.
      expect(silent.received).toHaveLength(1);
      expect(live.received).toHaveLength(6);
      expect(outcomes.filter((outcome) => outcome.ms >= 390)).toHaveLength(1);
      expect(
        warned.filter((line) => line.includes('via chat-a-silent failed (UND_ERR_HEADERS_TIMEOUT')),
      ).toHaveLength(1);
      // And an operator sees it: one failure, its retry, one ejection.
      const chat = { service: 'gateway', upstream: 'chat-server' };
      expect(await metric(gateway, 'gateway_upstream_failures_total', { ...chat, reason: 'timeout' })).toBe(
        1,
      );
      expect(await metric(gateway, 'gateway_upstream_retries_total', chat)).toBe(1);
      expect(await metric(gateway, 'gateway_instance_ejections_total', { ...chat, reason: 'timeout' })).toBe(
        1,
      );
    });

    it('answers 504 after GATEWAY_PROXY_TIMEOUT_MS on every instance for a GET, each tried once', async () => {
      const gateway = await gatewayWith({ GATEWAY_PROXY_TIMEOUT_MS: '400' });
      const first = await upstream('chat-a', gateway, never);
      const second = await upstream('chat-b', gateway, never);

      const outcome = await send(`${gateway.url}/v1/api/rooms/joined`);

      expect(outcome.status).toBe(504);
      expect(JSON.parse(outcome.body.toString())).toMatchObject({ statusCode: 504, code: 'gateway-timeout' });
      expect(outcome.ms).toBeGreaterThanOrEqual(780);
      expect(outcome.ms).toBeLessThan(3_000);
      expect([first.received.length, second.received.length]).toEqual([1, 1]);
    });

    it('answers 504 to a POST that reached a silent instance without sending it anywhere else', async () => {
      const gateway = await gatewayWith({ GATEWAY_PROXY_TIMEOUT_MS: '400' });
      const first = await upstream('chat-a', gateway, never);
      const second = await upstream('chat-b', gateway, never);

      const outcome = await send(`${gateway.url}/v1/api/rooms/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name":"once"}',
      });

      expect(outcome.status).toBe(504);
      await sleep(500); // a retry would have reached the other instance by now
      const all = [...first.received, ...second.received];
      expect(all.map((received) => received.body.toString())).toEqual(['{"name":"once"}']);
    });

    it("answers 504 in GATEWAY_PROXY_TIMEOUT_MS to requests queued for a hung instance's busy sockets too, not one timeout after another", async () => {
      const gateway = await gatewayWith({ GATEWAY_PROXY_TIMEOUT_MS: '600', GATEWAY_UPSTREAM_SOCKETS: '1' });
      const hung = await upstream('chat-hung', gateway, never);

      // One takes the only socket; the others wait in the gateway for it.
      const outcomes = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          i < 2
            ? send(`${gateway.url}/v1/api/rooms/${i}`)
            : send(`${gateway.url}/v1/api/rooms/create`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: `{"name":"${i}"}`,
              }),
        ),
      );

      expect(outcomes.map((outcome) => outcome.status)).toEqual([504, 504, 504, 504]);
      for (const outcome of outcomes) {
        expect(outcome.ms).toBeGreaterThanOrEqual(590);
        expect(outcome.ms).toBeLessThan(1_000);
      }
      expect(hung.received.length).toBeGreaterThanOrEqual(1);
    });

    const stalls: [string, Misbehaviour][] = [
      [
        'with a content-length',
        (_req, res) => {
          res.writeHead(200, { 'content-length': '1000' });
          res.write('x'.repeat(10));
        },
      ],
      [
        'chunked',
        (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('x'.repeat(10));
        },
      ],
    ];
    for (const [framing, stall] of stalls) {
      it(`cuts the client's response when the body stalls longer than GATEWAY_PROXY_TIMEOUT_MS (${framing})`, async () => {
        const warned = warnings();
        const gateway = await gatewayWith({ GATEWAY_PROXY_TIMEOUT_MS: '400' });
        const first = await upstream('chat-a', gateway, stall);
        const second = await upstream('chat-b', gateway, stall);

        const outcome = await send(`${gateway.url}/v1/api/rooms/joined`);

        expect(outcome.status).toBe(200);
        expect(outcome.complete).toBe(false);
        expect(outcome.body.toString()).toBe('x'.repeat(10));
        expect(outcome.ms).toBeLessThan(2_000);
        expect(first.received.length + second.received.length).toBe(1);
        // The stalled answer was given up on upstream as well, and the log says why.
        const stalled = [...first.received, ...second.received][0];
        await expectEventually(() => expect(stalled.cutAt).toBeDefined());
        await expectEventually(() =>
          expect(warned).toEqual([expect.stringMatching(/ via chat-[ab] failed \(UND_ERR_BODY_TIMEOUT: /)]),
        );
      });
    }
  });

  it('ejects an instance that refuses connections: later requests go straight to the others', async () => {
    const warned = warnings();
    const gateway = await gatewayWith({ GATEWAY_EJECT_MS: '60000' });
    const port = await freePort();
    await listInstance(gateway.registry, { id: 'chat-a-gone', service: 'chat-server', port });
    const live = await upstream('chat-b-live', gateway, ok);

    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await send(`${gateway.url}/v1/api/ping`)).status);

    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(live.received).toHaveLength(6);
    // Refused once, then left alone (the registry still lists it).
    expect(warned.filter((line) => line.includes('via chat-a-gone failed (ECONNREFUSED'))).toHaveLength(1);
    const chat = { service: 'gateway', upstream: 'chat-server' };
    expect(await metric(gateway, 'gateway_upstream_failures_total', { ...chat, reason: 'unreachable' })).toBe(
      1,
    );
    expect(
      await metric(gateway, 'gateway_instance_ejections_total', { ...chat, reason: 'unreachable' }),
    ).toBe(1);
    expect(await metric(gateway, 'gateway_upstream_failures_total', { ...chat, reason: 'timeout' })).toBe(0);

    await gateway.registry.deregister('chat-b-live');
    const none = await send(`${gateway.url}/v1/api/ping`);
    expect(none.status).toBe(502);
  });

  describe('response headers and framing', () => {
    it('passes a chunked answer through whole and correctly framed, without the instance’s Connection: close', async () => {
      const gateway = await gatewayWith();
      const pieces = ['{"a":', '"ünïcode",', '"b":[1,2,3]', '}'];
      await upstream('chat-1', gateway, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
        let i = 0;
        const next = () =>
          i < pieces.length ? res.write(pieces[i++], () => setTimeout(next, 10)) : res.end();
        next();
      });

      const outcome = await send(`${gateway.url}/v1/api/chunked`);

      expect(outcome.status).toBe(200);
      expect(outcome.complete).toBe(true);
      expect(outcome.body.toString()).toBe(pieces.join(''));
      expect(rawValues(outcome, 'transfer-encoding')).toEqual(['chunked']);
      expect(rawValues(outcome, 'content-length')).toEqual([]);
      expect(rawValues(outcome, 'connection')).not.toContain('close');

      // The client's connection stays usable for a second request (framing was right).
      const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
      let raw = '';
      socket.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')));
      const request = 'GET /v1/api/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
      socket.write(request + request);
      await expectEventually(() => expect(raw.match(/\r\n0\r\n\r\n/g)).toHaveLength(2));
      socket.destroy();
      expect(raw.match(/^HTTP\/1\.1 200 /gm)).toHaveLength(2);
    });

    it('passes repeated Set-Cookie headers as separate headers, drops the instance’s CORS and hop-by-hop ones', async () => {
      const gateway = await gatewayWith();
      await upstream('chat-1', gateway, (_req, res: ServerResponse) => {
        res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; HttpOnly']);
        res.setHeader('access-control-allow-origin', '*');
        res.setHeader('access-control-allow-credentials', 'true');
        res.setHeader('keep-alive', 'timeout=1');
        res.setHeader('x-kept', 'yes');
        res.setHeader('content-length', '2');
        res.end('ok');
      });

      const outcome = await send(`${gateway.url}/v1/api/cookies`);

      expect(outcome.status).toBe(200);
      expect(outcome.body.toString()).toBe('ok');
      expect(rawValues(outcome, 'set-cookie')).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
      expect(rawValues(outcome, 'x-kept')).toEqual(['yes']);
      expect(rawValues(outcome, 'content-length')).toEqual(['2']);
      for (const name of ['access-control-allow-origin', 'access-control-allow-credentials'])
        expect(rawValues(outcome, name), name).toEqual([]);
      // The gateway's own connection to the client says its own keep-alive, not the instance's.
      expect(rawValues(outcome, 'keep-alive')).not.toContain('timeout=1');
    });

    it('drops the answer headers the instance’s Connection names (RFC 9110 7.6.1), as it does for requests', async () => {
      const gateway = await gatewayWith();
      await upstream('chat-1', gateway, (_req, res: ServerResponse) => {
        res.setHeader('connection', 'keep-alive, X-Instance-Only');
        res.setHeader('x-instance-only', 'secret');
        res.setHeader('x-kept', 'yes');
        res.setHeader('content-length', '2');
        res.end('ok');
      });

      const outcome = await send(`${gateway.url}/v1/api/named`);

      expect(outcome.status).toBe(200);
      expect(rawValues(outcome, 'x-instance-only')).toEqual([]);
      expect(rawValues(outcome, 'x-kept')).toEqual(['yes']);
    });

    it('passes 204, 304 and a HEAD answer through without a body, the connection still usable', async () => {
      const gateway = await gatewayWith();
      await upstream('chat-1', gateway, (req, res) => {
        if (req.url === '/v1/api/none') {
          res.writeHead(204);
          return res.end();
        }
        if (req.url === '/v1/api/cached') {
          res.writeHead(304, { etag: '"v1"' });
          return res.end();
        }
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' });
        res.end(req.method === 'HEAD' ? undefined : 'hello');
      });

      const none = await send(`${gateway.url}/v1/api/none`);
      const cached = await send(`${gateway.url}/v1/api/cached`, { headers: { 'if-none-match': '"v1"' } });
      const head = await send(`${gateway.url}/v1/api/thing`, { method: 'HEAD' });

      expect([none.status, none.body.length, none.complete]).toEqual([204, 0, true]);
      expect([cached.status, cached.body.length, cached.complete]).toEqual([304, 0, true]);
      expect(cached.headers.etag).toBe('"v1"');
      expect([head.status, head.body.length, head.complete]).toEqual([200, 0, true]);
      expect(head.headers['content-length']).toBe('5');

      // One kept-alive client connection: a body where none belongs would garble the next answer.
      const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
      let raw = '';
      socket.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')));
      socket.write(
        [
          'GET /v1/api/none HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
          'HEAD /v1/api/thing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
          'GET /v1/api/cached HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
          'GET /v1/api/thing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
        ].join(''),
      );
      await expectEventually(() => expect(raw).toMatch(/\r\n\r\nhello$/));
      socket.destroy();
      expect(raw.match(/^HTTP\/1\.1 \d+ /gm)).toEqual([
        'HTTP/1.1 204 ',
        'HTTP/1.1 200 ',
        'HTTP/1.1 304 ',
        'HTTP/1.1 200 ',
      ]);
    });
  });

  describe('request bodies', () => {
    it('forwards a JSON body byte for byte with its length, sent whole or chunked, and an empty POST', async () => {
      const gateway = await gatewayWith();
      const chat = await upstream('chat-1', gateway, ok);
      const json = Buffer.from(JSON.stringify({ text: 'héllo 👋', n: [1, 2, 3], nested: { a: null } }));

      await send(`${gateway.url}/v1/api/whole`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(json.length) },
        body: json,
      });
      await send(`${gateway.url}/v1/api/chunked`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        chunks: [json.subarray(0, json.indexOf(0xf0) + 2), json.subarray(json.indexOf(0xf0) + 2)], // splits the 👋
      });
      await send(`${gateway.url}/v1/api/empty`, { method: 'POST', headers: { 'content-length': '0' } });

      const [whole, chunked, empty] = chat.received;
      expect(whole.body.equals(json)).toBe(true);
      expect(whole.headers['content-length']).toBe(String(json.length));
      expect(chunked.body.equals(json)).toBe(true);
      expect(chunked.headers['content-length']).toBe(String(json.length));
      expect(chunked.headers['transfer-encoding']).toBeUndefined();
      expect(empty.body.length).toBe(0);
      expect(empty.headers['content-length']).toBe('0');
      expect(empty.headers['transfer-encoding']).toBeUndefined();
    });
  });
});
