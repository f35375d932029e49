import { once } from 'node:events';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { rawAnswer } from './support/raw-answer';
import { gatewaysPerTest, type TestGateway } from './support/gateway';

const { gateway, backend } = gatewaysPerTest();

const portOf = (on: TestGateway): number => Number(new URL(on.url).port);

/** A request as a browser on a page at `host` sends it (fetch cannot set Host). */
function asHost(
  on: TestGateway,
  host: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const json = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        port: portOf(on),
        host: '127.0.0.1',
        method,
        path,
        headers: {
          host,
          origin: `http://${host}`,
          ...(json ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // static files and the like: only the status matters
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(json);
  });
}

const upgradeAs = (on: TestGateway, host: string): Promise<string> =>
  rawAnswer(
    portOf(on),
    [
      'GET /ws-chat HTTP/1.1',
      `Host: ${host}`,
      `Origin: http://${host}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Protocol: v12.stomp',
      '',
      '',
    ].join('\r\n'),
  );

describe('Host allow-list (GATEWAY_ALLOWED_HOSTS): a page on a rebinding domain gets nothing', () => {
  it('refuses a foreign Host with 421 unknown-host naming it, before dev-token, history, the web client or /ws-chat', async () => {
    const edge = await gateway(); // single node, dev tokens on: the loopback names only
    const chat = await backend('chat-1', 'chat-server', edge);

    for (const [method, path, body] of [
      ['POST', '/v1/api/auth/dev-token', { uid: 'alice', nickName: 'Alice' }],
      ['GET', '/v1/api/chat/api/v1/history/some-room', undefined],
      ['GET', '/', undefined],
      ['GET', '/docs', undefined],
    ] as const) {
      const answer = await asHost(edge, 'attacker.example:18100', method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(421);
      expect(answer.body).toMatchObject({ statusCode: 421, code: 'unknown-host' });
      expect(answer.body.message).toContain('"attacker.example:18100"');
      expect(answer.body.message).toContain('GATEWAY_ALLOWED_HOSTS');
    }
    const upgrade = await upgradeAs(edge, 'attacker.example:18100');
    expect(upgrade).toMatch(/^HTTP\/1\.1 421 /);
    expect(upgrade).toContain('"code":"unknown-host"');
    expect(chat.seen, 'nothing reached the chat server').toEqual([]);
    expect(chat.sockets.size).toBe(0);
  });

  it('serves the loopback names on any port, and /health/* to any Host (registries probe by address)', async () => {
    const edge = await gateway();
    const chat = await backend('chat-1', 'chat-server', edge);

    for (const host of ['localhost:8080', '127.0.0.1', '[::1]:18100', 'LOCALHOST.']) {
      const answer = await asHost(edge, host, 'POST', '/v1/api/auth/dev-token', { uid: 'a', nickName: 'A' });
      expect(answer.status, host).toBe(200);
    }
    expect(chat.seen).toHaveLength(4);
    expect((await asHost(edge, '10.0.3.7:8080', 'GET', '/health/live')).status).toBe(200);
    expect(
      (await asHost(edge, 'localhost.attacker.example', 'GET', '/health/../v1/api/rooms/joined')).status,
    ).toBe(421);
    const ws = new WebSocket(`${edge.url.replace('http', 'ws')}/ws-chat`, ['v12.stomp'], {
      headers: { host: 'localhost:8080' },
    });
    await once(ws, 'open');
    ws.terminate();
  });

  it('answers any Host with *, and only the names listed otherwise', async () => {
    const open = await gateway({ GATEWAY_ALLOWED_HOSTS: '*' });
    await backend('chat-1', 'chat-server', open);
    expect((await asHost(open, 'attacker.example', 'GET', '/v1/api/rooms/joined')).status).toBe(200);

    const listed = await gateway({ GATEWAY_ALLOWED_HOSTS: 'chat.example.com' });
    await backend('chat-2', 'chat-server', listed);
    expect((await asHost(listed, 'chat.example.com:443', 'GET', '/v1/api/rooms/joined')).status).toBe(200);
    expect((await asHost(listed, 'localhost', 'GET', '/v1/api/rooms/joined')).status).toBe(421);
  });

  it('answers any Host by default once dev tokens are off and it listens on every interface', async () => {
    const production = await gateway({ AUTH_DEV_TOKENS: 'false', GATEWAY_HOST: '0.0.0.0' });
    await backend('chat-1', 'chat-server', production);
    expect((await asHost(production, 'chat.example.com', 'GET', '/v1/api/rooms/joined')).status).toBe(200);
  });
});
