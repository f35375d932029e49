import { Logger } from '@nestjs/common';
import { once } from 'node:events';
import { connect as connectTcp, createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { expectEventually, metricSample } from '@playlist-chat/platform/testing';
import { TestBackend } from './support/backend';
import { gatewaysPerTest, type TestGateway } from './support/gateway';
import { listInstance } from './support/list-instance';

// Registered first, so its gateways and backends stop after this file's own clients and sockets.
const fleet = gatewaysPerTest();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

const gatewayWith = (env: Record<string, string> = {}): Promise<TestGateway> =>
  fleet.gateway({ GATEWAY_RATE_LIMIT_PER_MIN: '0', ...env });
const backend = (name: string, gateway: TestGateway): Promise<TestBackend> =>
  fleet.backend(name, 'chat-server', gateway);

/** A chat-server instance that reads connections and never answers (a hung process); its sockets, as they came. */
async function hungInstance(gateway: TestGateway, id: string): Promise<Socket[]> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  await listInstance(gateway.registry, {
    id,
    service: 'chat-server',
    port: (server.address() as AddressInfo).port,
  });
  return accepted;
}

/** The gateway's warnings (its Logger calls, whatever LOG_LEVEL lets through to the output). */
function warnings(): string[] {
  const seen: string[] = [];
  vi.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
    seen.push(String(message));
  });
  return seen;
}

const chat = { service: 'gateway', upstream: 'chat-server' };
async function metric(gateway: TestGateway, name: string, labels: Record<string, string>): Promise<number> {
  return metricSample(await (await fetch(`${gateway.url}/metrics`)).text(), name, labels);
}

const wsUrl = (gateway: TestGateway) => `${gateway.url.replace('http', 'ws')}/ws-chat`;

/** Whether a client WebSocket opened (true) or was cut (false). */
async function opens(gateway: TestGateway): Promise<boolean> {
  const ws = new WebSocket(wsUrl(gateway));
  ws.on('error', () => {}); // one that meets a dead instance is cut
  cleanups.push(async () => ws.terminate());
  return new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('close', () => resolve(false));
  });
}

const KEY_AND_VERSION = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

/** A raw upgrade to /ws-chat with these headers (besides Host), on a connection of its own. */
async function sendUpgrade(gateway: TestGateway, headers: string): Promise<Socket> {
  const socket = connectTcp(Number(new URL(gateway.url).port), '127.0.0.1');
  socket.on('error', () => {});
  cleanups.push(async () => void socket.destroy());
  await once(socket, 'connect');
  socket.write(`GET /ws-chat HTTP/1.1\r\nHost: localhost\r\n${headers}\r\n`);
  return socket;
}

/** The head of the answer on `socket` (up to the blank line), or whatever came before it closed ('' for none). */
function answerHead(socket: Socket): Promise<string> {
  let answer = '';
  return new Promise<string>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n\r\n')) resolve(answer.slice(0, answer.indexOf('\r\n\r\n')));
    });
    socket.once('close', () => resolve(answer));
  });
}

describe('WebSocket proxying under faults', () => {
  it('sets aside an instance whose host cannot be resolved, like REST: the next WebSockets go to the others', async () => {
    const gateway = await gatewayWith({ GATEWAY_EJECT_MS: '60000' });
    // Listed, never reachable (RFC 6761: .invalid never resolves): with no tunnels, it drew every new one.
    await gateway.registry.register({
      id: 'chat-a-gone',
      service: 'chat-server',
      host: 'chat-a-gone.invalid',
      port: 1,
      healthCheckUrl: 'http://chat-a-gone.invalid:1/health',
      healthCheckIntervalMs: 600_000,
    });
    const live = await backend('chat-b-live', gateway);

    const opened: boolean[] = [];
    for (let i = 0; i < 4; i++) opened.push(await opens(gateway));

    expect(opened.filter(Boolean)).toHaveLength(3);
    await expectEventually(() => expect(live.sockets.size).toBe(3));
    expect(await metric(gateway, 'gateway_upstream_failures_total', { ...chat, reason: 'unreachable' })).toBe(
      1,
    );
    expect(await metric(gateway, 'gateway_upstream_failures_total', { ...chat, reason: 'error' })).toBe(0);
    expect(
      await metric(gateway, 'gateway_instance_ejections_total', { ...chat, reason: 'unreachable' }),
    ).toBe(1);
  });

  for (const [how, hangUp] of [
    ['closes its connection', (socket: Socket) => socket.destroy()],
    ['resets its connection', (socket: Socket) => socket.resetAndDestroy()],
  ] as const)
    it(`blames no instance when the client ${how} before the instance answered its upgrade`, async () => {
      const warned = warnings();
      const gateway = await gatewayWith({ GATEWAY_UPGRADE_TIMEOUT_MS: '3000', GATEWAY_EJECT_MS: '60000' });
      const accepted = await hungInstance(gateway, 'chat-slow');

      const client = await sendUpgrade(
        gateway,
        `Connection: Upgrade\r\nUpgrade: websocket\r\n${KEY_AND_VERSION}`,
      );
      await expectEventually(() => expect(accepted).toHaveLength(1));
      hangUp(client);

      // The instance's side goes with the client's, long before the upgrade timeout (which would blame it).
      await expectEventually(() => expect(accepted[0].closed).toBe(true), { timeoutMs: 1_500 });
      await sleep(100);
      for (const reason of ['unreachable', 'timeout', 'error'])
        expect(await metric(gateway, 'gateway_upstream_failures_total', { ...chat, reason }), reason).toBe(0);
      expect(await metric(gateway, 'gateway_instance_ejections_total', { ...chat, reason: 'timeout' })).toBe(
        0,
      );
      expect(warned).toEqual([]);
    });
});

describe('WebSocket handshakes as the instance gets them', () => {
  it('passes on Connection: Upgrade and Upgrade: websocket, and no other hop-by-hop header', async () => {
    const gateway = await gatewayWith();
    const instance = await backend('chat-1', gateway);

    const client = await sendUpgrade(
      gateway,
      'Connection: keep-alive, Upgrade, X-For-The-Gateway\r\nUpgrade: websocket\r\n' +
        'Keep-Alive: timeout=5\r\nProxy-Authorization: Basic Z2F0ZXdheTpwYXNz\r\nProxy-Connection: keep-alive\r\n' +
        'TE: trailers\r\nTrailer: X-Checksum\r\nX-For-The-Gateway: secret\r\n' +
        'Sec-WebSocket-Protocol: v12.stomp\r\nOrigin: http://localhost\r\nCookie: a=1\r\n' +
        'Authorization: Bearer token\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n' +
        KEY_AND_VERSION,
    );

    expect(await answerHead(client)).toMatch(/^HTTP\/1\.1 101 /);
    await expectEventually(() => expect(instance.upgrades).toHaveLength(1));
    const headers = instance.upgrades[0];
    expect(headers).toMatchObject({
      connection: 'Upgrade',
      upgrade: 'websocket',
      host: 'localhost',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      'sec-websocket-protocol': 'v12.stomp',
      origin: 'http://localhost',
      cookie: 'a=1',
      authorization: 'Bearer token',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'x-forwarded-proto': 'ws',
    });
    for (const name of [
      'keep-alive',
      'proxy-authorization',
      'proxy-connection',
      'te',
      'trailer',
      'x-for-the-gateway',
    ])
      expect(headers, name).not.toHaveProperty(name);
  });

  it('tunnels a handshake whose Upgrade offers websocket among others, as Upgrade: websocket', async () => {
    const gateway = await gatewayWith();
    const instance = await backend('chat-1', gateway);

    const client = await sendUpgrade(
      gateway,
      `Connection: Upgrade\r\nUpgrade: h2c, websocket\r\n${KEY_AND_VERSION}`,
    );

    const head = await answerHead(client);
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    expect(head.toLowerCase()).toContain('\r\nupgrade: websocket');
    await expectEventually(() => expect(instance.sockets.size).toBe(1));
    expect(instance.upgrades[0].upgrade).toBe('websocket');
  });
});
