import { request } from 'node:http';
import { expectEventually } from '@playlist-chat/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHeaders, RawClient } from './support/raw-client';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * What a hostile or broken client can make the server hold, each bounded by a limit and
 * asserted from outside: the session is refused or dropped at the budget (an ERROR frame naming
 * the limit, then the close), or stops being read — never by timing or RSS. 127.0.0.1 only,
 * seconds each.
 */

async function connectedClient(app: TestApp, login = 'abuser'): Promise<RawClient> {
  const client = await RawClient.open(app.url);
  await client.connect({ login });
  return client;
}

/** Waits until `read()` has not changed for `quietMs`, and returns it. */
async function settled(read: () => number, quietMs = 600, timeoutMs = 20_000): Promise<number> {
  let last = read();
  let since = Date.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return now;
    }
  }
  return read();
}

describe('open transactions', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('refuses a session whose uncommitted transactions would hold more than maxTransactionBytes (1 MiB)', async () => {
    const client = await connectedClient(app);
    const body = 'x'.repeat(60 * 1024);
    for (let t = 0; t < 4; t += 1) client.send(`BEGIN\ntransaction:t${t}\n\n\0`);
    // 4 transactions × 8 SENDs of 60 KiB = 1.9 MiB, far under the frame-count limits.
    for (let i = 0; i < 32 && !client.isClosed; i += 1) {
      client.send(`SEND\ndestination:/app/record/tx\ntransaction:t${i % 4}\n\n${body}\0`);
    }
    const error = await errorHeaders(client);
    expect(error.code).toBe('transaction-too-large');
    expect(error.message).toBe('open transactions would hold more than 1048576 bytes');
    expect(app.probe.sent.filter((s) => s.params.key === 'tx')).toEqual([]);
  });

  it('commits all or nothing: a COMMIT holding one bad frame runs none of them', async () => {
    const client = await connectedClient(app);
    client.send('BEGIN\ntransaction:mixed\n\n\0');
    client.send('SEND\ndestination:/app/json\ntransaction:mixed\n\n{"text":"first"}\0');
    client.send('SEND\ndestination:/app/json\ntransaction:mixed\n\nnot json\0');
    client.send('COMMIT\ntransaction:mixed\nreceipt:c\n\n\0');
    const error = await errorHeaders(client);
    expect(error.code).toBe('invalid-json');
    expect(error['receipt-id']).toBe('c');
    expect(app.probe.sent.map((s) => s.body)).not.toContain('first');
  });

  it('still runs every frame of a good COMMIT, in order', async () => {
    const client = await connectedClient(app);
    client.send('BEGIN\ntransaction:good\n\n\0');
    client.send('SEND\ndestination:/app/json\ntransaction:good\n\n{"text":"one"}\0');
    client.send('SEND\ndestination:/app/json\ntransaction:good\n\n{"text":"two"}\0');
    client.send('COMMIT\ntransaction:good\nreceipt:ok\n\n\0');
    await client.waitFor('receipt-id:ok');
    const bodies = app.probe.sent.map((s) => s.body);
    expect(bodies.slice(bodies.indexOf('one'))).toEqual(['one', 'two']);
    client.close();
  });
});

describe('identifier headers', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it.each(['receipt', 'id', 'transaction'])(
    'refuses a %s header longer than maxIdHeaderBytes (128), without echoing it',
    async (header) => {
      const client = await connectedClient(app);
      const long = 'r'.repeat(4000);
      const frame =
        header === 'id'
          ? `SUBSCRIBE\ndestination:/topic/a\nid:${long}\n\n\0`
          : header === 'transaction'
            ? `BEGIN\ntransaction:${long}\n\n\0`
            : `SEND\ndestination:/app/record/long\nreceipt:${long}\n\n\0`;
      client.send(frame);
      const error = await errorHeaders(client);
      expect(error).toMatchObject({
        code: 'header-too-long',
        message: `${header} header is longer than 128 bytes`,
      });
      expect(client.text).not.toContain(long);
    },
  );

  it('accepts a receipt of exactly 128 bytes', async () => {
    const client = await connectedClient(app);
    const receipt = 'k'.repeat(128);
    client.send(`SEND\ndestination:/app/record/edge\nreceipt:${receipt}\n\n\0`);
    await client.waitFor(`receipt-id:${receipt}`);
    client.close();
  });
});

describe('a client that does not read what it asked for', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ limits: { maxBufferedBytes: 256 * 1024 } });
  });
  afterAll(() => app.close());

  it('stops being read while its RECEIPTs wait unsent, then catches up once it reads', async () => {
    const client = await connectedClient(app, 'pipeliner');
    const other = await connectedClient(app, 'bystander');
    client.ws.pause(); // stops reading: RECEIPTs pile up on the server's side
    const receipt = 'p'.repeat(120);
    const frame = `SEND\ndestination:/app/record/pipe\nreceipt:${receipt}\n\n\0`;
    const total = 60_000; // ~8 MiB of RECEIPTs: more than the kernel's socket buffers absorb
    const perMessage = 500;
    for (let sent = 0; sent < total; sent += perMessage) client.send(frame.repeat(perMessage));
    const handled = () => app.probe.sent.filter((s) => s.params.key === 'pipe').length;

    const whileNotReading = await settled(handled);
    expect(whileNotReading).toBeLessThan(total);
    // Everyone else is still served meanwhile.
    other.send('SEND\ndestination:/app/record/other\nreceipt:fine\n\n\0');
    await other.waitFor('receipt-id:fine');

    client.ws.resume();
    await expectEventually(() => expect(handled()).toBe(total), { timeoutMs: 30_000 });
    await expectEventually(() => expect(client.count(`receipt-id:${receipt}`)).toBe(total), {
      timeoutMs: 30_000,
    });
    expect(client.isClosed).toBe(false);
    client.close();
    other.close();
  });
});

describe('oversized WebSocket messages', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it.each([
    ['over the frame limit', 200 * 1024],
    ['over ws maxPayload (1 MB)', 1024 * 1024],
  ])('answers a SEND %s with an ERROR naming the limit before the close', async (_what, size) => {
    const client = await connectedClient(app);
    client.send(`SEND\ndestination:/app/record/huge\n\n${'x'.repeat(size)}\0`);
    const error = await errorHeaders(client);
    expect(error.code).toMatch(/^(frame|body)-too-large$/);
    expect(error.message).toMatch(/ is larger than 65536 bytes$/);
  });
});

describe('upgrades to other paths', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('answers 404 and closes the socket', async () => {
    const { status, closed } = await new Promise<{ status: number; closed: Promise<void> }>(
      (resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port: app.port,
          path: '/not-ws',
          headers: {
            Connection: 'Upgrade',
            Upgrade: 'websocket',
            'Sec-WebSocket-Version': '13',
            'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          },
        });
        req.on('response', (response) => {
          const closed = new Promise<void>((done) => response.socket.once('close', () => done()));
          response.resume();
          resolve({ status: response.statusCode ?? 0, closed });
        });
        req.on('upgrade', () => reject(new Error('upgraded')));
        req.on('error', reject);
        req.end();
      },
    );
    expect(status).toBe(404);
    await closed;
  });
});

describe('heart-beats', () => {
  let app: TestApp;
  beforeAll(async () => {
    // The library's default offer, as an app that does not set one gets it.
    app = await startTestApp({ heartbeat: undefined });
  });
  afterAll(() => app.close());

  it('sends heart-beats every second to a client that asks for 1 s (heart-beat:0,1000)', async () => {
    const client = await RawClient.open(app.url);
    const connected = await client.connect({ 'heart-beat': '0,1000' });
    expect(connected).toContain('heart-beat:1000,1000');
    await expectEventually(() => expect(client.heartbeats).toBeGreaterThanOrEqual(2), {
      timeoutMs: 4_500,
    });
    client.close();
  });
});
