import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { expectEventually } from '@playlist-chat/platform/testing';
import { rawAnswer } from './support/raw-answer';
import { TestBackend } from './support/backend';
import { startTestGateway, type TestGateway } from './support/gateway';
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

async function backend(name: string, gateway: TestGateway): Promise<TestBackend> {
  const instance = await TestBackend.start(name, 'chat-server');
  cleanups.push(() => instance.stop());
  await instance.register(gateway.registry);
  return instance;
}

const wsUrl = (gateway: TestGateway, path = '/ws-chat') => `${gateway.url.replace('http', 'ws')}${path}`;

/** Opens a client WebSocket and collects what it receives. */
async function connect(url: string): Promise<{ ws: WebSocket; received: string[] }> {
  const ws = new WebSocket(url);
  const received: string[] = [];
  ws.on('message', (data: Buffer) => received.push(data.toString()));
  cleanups.push(async () => ws.terminate());
  await once(ws, 'open');
  return { ws, received };
}

/** The HTTP status of a refused upgrade, and its body. */
async function refusal(url: string): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(url);
  ws.on('error', () => {}); // expected: the upgrade is refused
  const [, response] = (await once(ws, 'unexpected-response')) as [
    unknown,
    import('node:http').IncomingMessage,
  ];
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  ws.terminate();
  return { status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() };
}

describe('WebSocket proxying of /ws-chat', () => {
  it('tunnels a WebSocket to a chat-server instance, both ways, with the forwarded client address', async () => {
    const gateway = await gatewayWith();
    const chat = await backend('chat-1', gateway);
    await expectEventually(async () => expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200));

    const { ws, received } = await connect(wsUrl(gateway));
    ws.send('ping');
    ws.send(Buffer.from([1, 2, 3]), { binary: true });

    await expectEventually(() =>
      expect(received).toEqual(['hello from chat-1 127.0.0.1', 'chat-1:ping', '\u0001\u0002\u0003']),
    );
    expect(chat.sockets.size).toBe(1);
    const tunnels = async () =>
      (await (await fetch(`${gateway.url}/metrics`)).text()).match(
        /^gateway_websocket_tunnels\S* (\d+)$/m,
      )?.[1];
    expect(await tunnels()).toBe('1');
    ws.close();
    await expectEventually(async () => expect(await tunnels()).toBe('0'));
  });

  it('spreads WebSocket connections over instances round robin', async () => {
    const gateway = await gatewayWith();
    const a = await backend('chat-a', gateway);
    const b = await backend('chat-b', gateway);
    await expectEventually(async () => expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200));

    for (let i = 0; i < 4; i++) await connect(wsUrl(gateway));

    await expectEventually(() => {
      expect(a.sockets.size).toBe(2);
      expect(b.sockets.size).toBe(2);
    });
  });

  it('puts each new WebSocket on the instance holding fewest, whatever HTTP requests come between', async () => {
    const gateway = await gatewayWith();
    const a = await backend('chat-a', gateway);
    const b = await backend('chat-b', gateway);
    await expectEventually(async () => expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200));

    // What a client does: a request (a token, the room list), then its WebSocket.
    const clients: { ws: WebSocket }[] = [];
    for (let i = 0; i < 6; i++) {
      await fetch(`${gateway.url}/v1/api/ping`);
      clients.push(await connect(wsUrl(gateway)));
    }
    await expectEventually(() => expect([a.sockets.size, b.sockets.size]).toEqual([3, 3]));

    // Three leave one instance: the next three go there.
    for (const socket of [...a.sockets]) socket.terminate();
    await expectEventually(() => expect(a.sockets.size).toBe(0));
    await expectEventually(() =>
      expect(clients.filter(({ ws }) => ws.readyState === WebSocket.OPEN)).toHaveLength(3),
    );
    for (let i = 0; i < 3; i++) await connect(wsUrl(gateway));
    await expectEventually(() => expect([a.sockets.size, b.sockets.size]).toEqual([3, 3]));
  });

  it('closes the client side when the instance closes, and the instance side when the client goes', async () => {
    const gateway = await gatewayWith();
    const chat = await backend('chat-1', gateway);
    await expectEventually(async () => expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200));

    const first = await connect(wsUrl(gateway));
    await expectEventually(() => expect(chat.sockets.size).toBe(1));
    const closedByServer = once(first.ws, 'close');
    [...chat.sockets][0].close(4001, 'server shutting down');
    const [code, reason] = (await closedByServer) as [number, Buffer];
    expect(code).toBe(4001);
    expect(String(reason)).toBe('server shutting down');

    const second = await connect(wsUrl(gateway));
    await expectEventually(() => expect(chat.sockets.size).toBe(1));
    second.ws.terminate(); // abrupt: no close frame, just the TCP connection gone
    await expectEventually(() => expect(chat.sockets.size).toBe(0));
  });

  it('sets aside an instance that does not answer an upgrade in GATEWAY_UPGRADE_TIMEOUT_MS: the next WebSockets go to the others', async () => {
    const gateway = await gatewayWith({ GATEWAY_UPGRADE_TIMEOUT_MS: '300', GATEWAY_EJECT_MS: '60000' });
    // Takes connections and never answers them (a hung process): with the fewest tunnels, it drew every new one.
    const upgrades: Socket[] = [];
    const hung = createServer((socket) => void upgrades.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of upgrades) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
    });
    const port = (hung.address() as AddressInfo).port;
    await listInstance(gateway.registry, { id: 'chat-a-hung', service: 'chat-server', port });
    const live = await backend('chat-b-live', gateway);

    const opened: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const ws = new WebSocket(wsUrl(gateway));
      ws.on('error', () => {}); // the one that met the hung instance is cut
      cleanups.push(async () => ws.terminate());
      // `once` would reject on the error a cut upgrade raises: wait for whichever comes.
      opened.push(
        await new Promise<boolean>((resolve) => {
          ws.once('open', () => resolve(true));
          ws.once('close', () => resolve(false));
        }),
      );
    }

    expect(upgrades).toHaveLength(1);
    expect(opened.filter(Boolean)).toHaveLength(3);
    await expectEventually(() => expect(live.sockets.size).toBe(3));
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^gateway_instance_ejections_total\{upstream="chat-server",reason="timeout",service="gateway"\} 1$/m,
    );
  });

  it('refuses the upgrade with a JSON 503 when no chat-server instance is healthy', async () => {
    const gateway = await gatewayWith();

    const { status, body } = await refusal(wsUrl(gateway));

    expect(status).toBe(503);
    expect(JSON.parse(body)).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'service-unavailable',
      message: 'no healthy chat-server instance',
    });
  });

  it('refuses upgrades on any other path with 404', async () => {
    const gateway = await gatewayWith();
    await backend('chat-1', gateway);

    const { status, body } = await refusal(wsUrl(gateway, '/elsewhere'));

    expect(status).toBe(404);
    expect(JSON.parse(body)).toMatchObject({
      statusCode: 404,
      message: 'no WebSocket endpoint at /elsewhere (use /ws-chat)',
    });
  });

  it('answers a broken handshake with a JSON 400 (or 426 for another version), not silence or an HTML page', async () => {
    const gateway = await gatewayWith();
    const chat = await backend('chat-1', gateway);
    await expectEventually(async () => {
      const { ws } = await connect(wsUrl(gateway));
      ws.close();
    });
    await expectEventually(() => expect(chat.sockets.size).toBe(0));
    const port = Number(new URL(gateway.url).port);
    const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const cases: [string, number, RegExp][] = [
      ['Connection: Upgrade\r\nUpgrade: h2c\r\n', 400, /Upgrade must be websocket/],
      [
        'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n',
        400,
        /Sec-WebSocket-Key/,
      ],
      [
        `Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 8\r\n${key}`,
        426,
        /Version must be 13/,
      ],
    ];
    for (const [headers, status, message] of cases) {
      const answer = await rawAnswer(port, `GET /ws-chat HTTP/1.1\r\nHost: localhost\r\n${headers}\r\n`);
      expect(answer, headers).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
        code: string;
        message: string;
      };
      expect(body.message, headers).toMatch(message);
      if (status === 426) expect(answer.toLowerCase()).toContain('sec-websocket-version: 13');
    }
    // None of them reached the instance; a good handshake still does.
    expect(chat.sockets.size).toBe(0);
    const { ws } = await connect(wsUrl(gateway));
    ws.send('hello');
    await expectEventually(() => expect(chat.sockets.size).toBe(1));
  });

  it('passes large messages through in both directions without loss (backpressure, not buffering)', async () => {
    const gateway = await gatewayWith();
    await backend('chat-1', gateway);
    await expectEventually(async () => expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200));
    const { ws, received } = await connect(wsUrl(gateway));

    const big = 'x'.repeat(512 * 1024);
    for (let i = 0; i < 8; i++) ws.send(`${i}:${big}`);

    await expectEventually(() => expect(received).toHaveLength(9), { timeoutMs: 15_000 });
    expect(received.slice(1).map((message) => message.slice(0, 11))).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `chat-1:${i}:xx`),
    );
    expect(received.slice(1).every((message) => message.length === big.length + 9)).toBe(true);
  });
});
