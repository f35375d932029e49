import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@playlist-chat/platform/testing';
import { startSingleNode, type SingleNode } from '../src/single-node';

/** `method path` on the gateway at `port` with the Host a browser on the LAN sends (fetch cannot set Host). */
function ask(
  port: number,
  host: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('single node answering a LAN name (GATEWAY_ALLOWED_HOSTS=mybox): the apps behind the gateway answer it too', () => {
  let dataDir: string;
  let node: SingleNode;
  let port: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lan-host-'));
    port = await freePort();
    node = await startSingleNode(
      {
        GATEWAY_PORT: String(port),
        GATEWAY_HOST: '0.0.0.0',
        GATEWAY_ALLOWED_HOSTS: 'mybox,localhost,127.0.0.1',
        CHAT_PORT: '0',
        PRESENCE_PORT: '0',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'error',
      },
      { print: () => {} },
    );
  });

  afterAll(async () => {
    await node?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in, lists rooms and asks presence with Host: mybox (the chat and presence servers listen on loopback)', async () => {
    const host = `mybox:${port}`;
    const signIn = await ask(
      port,
      host,
      'POST',
      '/v1/api/auth/dev-token',
      { 'content-type': 'application/json' },
      JSON.stringify({ uid: 'u-lan', nickName: 'Lan' }),
    );
    expect(signIn.status, signIn.body).toBe(200);
    const { accessToken } = JSON.parse(signIn.body) as { accessToken: string };
    const rooms = await ask(port, host, 'GET', '/v1/api/rooms/joined', {
      authorization: `Bearer ${accessToken}`,
    });
    expect(rooms.status, rooms.body).toBe(200);
    // Presence without a token: refused by its token check (401), not by its Host check (421).
    const presence = await ask(port, host, 'GET', '/api/v1/presence/some-room/on');
    expect(presence.status, presence.body).toBe(401);
  });

  it('still refuses a name the gateway was not given, at the gateway', async () => {
    const refused = await ask(port, `attacker.example:${port}`, 'GET', '/v1/api/rooms/joined');
    expect(refused.status).toBe(421);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'unknown-host' });
  });
});
