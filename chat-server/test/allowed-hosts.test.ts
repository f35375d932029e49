import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChatServer } from './support/chat-server';
import { upgradeStatus } from './support/upgrade';

/** POST /v1/api/auth/dev-token as a page at `host` sends it (fetch cannot set Host). */
function devTokenAs(chat: TestChatServer, host: string): Promise<{ status: number; body: string }> {
  const json = JSON.stringify({ uid: 'alice', nickName: 'Alice' });
  return new Promise((resolve, reject) => {
    const req = request(
      `${chat.url}/v1/api/auth/dev-token`,
      {
        method: 'POST',
        headers: { host, origin: `http://${host}`, 'content-type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(json);
  });
}

describe('the chat server on loopback answers only the loopback names (CHAT_ALLOWED_HOSTS)', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    // Single node by default: CHAT_HOST 127.0.0.1, dev tokens on, CHAT_ALLOWED_ORIGINS *.
    chat = await TestChatServer.start();
  });
  afterAll(() => chat.close());

  it('refuses a dev token and /ws-chat to a page on a rebinding domain', async () => {
    const refused = await devTokenAs(chat, 'attacker.example:18101');
    expect(refused.status).toBe(421);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'unknown-host' });
    expect(refused.body).toContain('CHAT_ALLOWED_HOSTS');
    expect(await upgradeStatus(chat.wsUrl, { Host: 'attacker.example:18101' })).toBe(421);
  });

  it('serves the names a browser on this machine uses, whatever the port', async () => {
    for (const host of ['localhost:8080', '127.0.0.1:18101', '[::1]'])
      expect((await devTokenAs(chat, host)).status, host).toBe(200);
    expect(await upgradeStatus(chat.wsUrl, { Host: 'localhost:8080' })).toBe(0);
  });
});
