import { setTimeout as sleep } from 'node:timers/promises';
import { expectEventually } from '@playlist-chat/platform/testing';
import { StompServer } from '@playlist-chat/stomp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './support/raw-client';
import { startTestApp, type TestApp } from './support/test-app';

describe('session lifecycle (raw frames)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ limits: { connectTimeoutMs: 150 } });
  });
  afterAll(() => app.close());

  it('drops a client that sends no CONNECT within connectTimeoutMs, with ERROR', async () => {
    const client = await RawClient.open(app.url);
    const closed = await client.closed;
    expect(client.text).toBe('ERROR\nmessage:no CONNECT frame within 150 ms\ncode:connect-timeout\n\n\0');
    expect(closed.code).toBe(1002);
  });

  it('keeps a client that connected in time past connectTimeoutMs', async () => {
    const client = await RawClient.open(app.url);
    await client.connect();
    await sleep(300);
    expect(client.isClosed).toBe(false);
    expect(client.text).not.toContain('ERROR');
    client.close();
  });

  it('runs @OnDisconnect exactly once per session, however the session ends', async () => {
    const users = ['ends-by-close', 'ends-by-disconnect', 'ends-by-error', 'ends-by-terminate'];
    const clients = await Promise.all(
      users.map(async (login) => {
        const client = await RawClient.open(app.url);
        await client.connect({ login });
        return client;
      }),
    );
    clients[0].close();
    clients[1].send('DISCONNECT\nreceipt:bye\n\n\0');
    clients[2].send('SEND\ndestination:/app/refuse\n\n\0');
    clients[3].ws.terminate();
    await Promise.all(clients.map((client) => client.closed));
    await expectEventually(() => expect(app.probe.disconnected).toEqual(expect.arrayContaining(users)));
    await sleep(100);
    for (const user of users) expect(app.probe.disconnected.filter((u) => u === user)).toHaveLength(1);
    await expectEventually(() => expect(app.app.get(StompServer).connectionCount).toBe(0));
  });
});
