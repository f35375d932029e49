import { setTimeout as sleep } from 'node:timers/promises';
import { expectEventually } from '@playlist-chat/platform/testing';
import { resolveLimits } from '@playlist-chat/stomp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterConnected, errorHeaders, RawClient } from './support/raw-client';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The rare paths of a session whose reading or writing waits: the server pausing its reads,
 * replays larger than the output buffer, and input that would queue more frames than allowed.
 * Real sockets on 127.0.0.1; the kernel's socket buffers absorb a few MiB, so the volumes are
 * chosen well above that.
 */

async function connectedClient(app: TestApp, headers: Record<string, string>): Promise<RawClient> {
  const client = await RawClient.open(app.url);
  await client.connect(headers);
  return client;
}

/** Bodies of the MESSAGE frames received so far. */
function bodies(client: RawClient): string[] {
  return [...client.text.matchAll(/MESSAGE\n[^]*?\n\n([^\0]*)\0/g)].map((m) => m[1]);
}

/** `waiting`, failing at once (with what the server sent last) if the session closes first. */
async function beforeClose<T>(client: RawClient, waiting: Promise<T>): Promise<T> {
  const closed = client.closed.then(() => {
    throw new Error(`session closed: ${JSON.stringify(client.text.slice(-200))}`);
  });
  return Promise.race([waiting, closed]);
}

/** Sends an EOL heart-beat every `everyMs` until the returned function is called. */
function beating(client: RawClient, everyMs: number): () => void {
  const timer = setInterval(() => {
    if (!client.isClosed) client.send('\n');
  }, everyMs);
  return () => clearInterval(timer);
}

describe('heart-beats while the server is not reading', () => {
  let app: TestApp;
  beforeAll(async () => {
    // The client's 300 ms becomes the server's 1000 ms: silence over 2 s ends a session.
    app = await startTestApp({
      heartbeat: { outgoingMs: 1000, incomingMs: 1000 },
      limits: { maxBufferedBytes: 256 * 1024 },
    });
  });
  afterAll(() => app.close());

  it('keeps a client whose frames wait behind a slow handler (32 queued: reading paused)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    app.probe.onHook = () => gate;
    const client = await connectedClient(app, { login: 'patient', 'heart-beat': '300,0' });
    const stop = beating(client, 300);
    try {
      for (let i = 0; i < 40; i += 1) client.send(`SEND\ndestination:/app/hook\nreceipt:h${i}\n\n\0`);
      await sleep(3_500);
      expect(client.isClosed).toBe(false);
      release();
      await beforeClose(client, client.waitFor('receipt-id:h39'));
    } finally {
      stop();
      app.probe.onHook = () => undefined;
    }
    expect(afterConnected(client.text)).not.toContain('ERROR');
    client.close();
  });

  it('keeps a client that reads its output late (output over half of maxBufferedBytes: reading paused)', async () => {
    const client = await connectedClient(app, { login: 'late-reader', 'heart-beat': '300,0' });
    const stop = beating(client, 300);
    client.ws.pause(); // RECEIPTs pile up on the server's side
    const receipt = 'p'.repeat(120);
    const frame = `SEND\ndestination:/app/record/late\nreceipt:${receipt}\n\n\0`;
    const total = 60_000; // ~8 MiB of RECEIPTs: more than the kernel's socket buffers absorb
    try {
      for (let sent = 0; sent < total; sent += 500) client.send(frame.repeat(500));
      await sleep(3_500);
      client.ws.resume();
      await beforeClose(
        client,
        expectEventually(() => expect(client.count(`receipt-id:${receipt}`)).toBe(total), {
          timeoutMs: 20_000,
        }),
      );
    } finally {
      stop();
    }
    expect(afterConnected(client.text)).not.toContain('ERROR');
    expect(client.isClosed).toBe(false);
    client.close();
  });
});

describe('output that does not drain', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ limits: { maxBufferedBytes: 256 * 1024, drainTimeoutMs: 1_000 } });
  });
  afterAll(() => app.close());

  it('drops a session whose output stays backlogged for drainTimeoutMs', async () => {
    const client = await connectedClient(app, { login: 'never-reads' });
    client.ws.pause();
    const frame = `SEND\ndestination:/app/record/never\nreceipt:${'n'.repeat(120)}\n\n\0`;
    for (let sent = 0; sent < 60_000; sent += 500) client.send(frame.repeat(500));
    await expectEventually(() => expect(app.probe.disconnected).toContain('never-reads'), {
      timeoutMs: 10_000,
    });
    client.ws.terminate();
  });
});

describe('replays larger than maxBufferedBytes', () => {
  describe('at the default limits (4 MiB)', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp();
    });
    afterAll(() => app.close());

    it('delivers 1,000 lines of 8 KB (the chat server’s largest replay) in order to a client that reads', async () => {
      const destination = '/topic/big-replay';
      const line = 'l'.repeat(8_000);
      app.probe.onSubscribe = (ctx) => {
        if (ctx.destination !== destination) return;
        return {
          replay: Array.from({ length: 1_000 }, (_, i) => ({
            body: `${i}:${line}`,
            sequence: String(i + 1),
          })),
        };
      };
      const client = await connectedClient(app, { login: 'reconnecting' });
      client.send(`SUBSCRIBE\nid:1\ndestination:${destination}\nreceipt:in\n\n\0`);
      await beforeClose(client, client.waitFor('receipt-id:in', 20_000));
      app.probe.onSubscribe = () => undefined;
      expect(afterConnected(client.text)).not.toContain('ERROR');
      expect(bodies(client).map((body) => Number(body.split(':')[0]))).toEqual(
        Array.from({ length: 1_000 }, (_, i) => i),
      );
      client.close();
    });
  });

  describe('at 256 KiB', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ limits: { maxBufferedBytes: 256 * 1024, drainTimeoutMs: 3_000 } });
    });
    afterAll(() => app.close());

    /** A replay of `count` messages of 8 KiB, sequences 1…count. */
    function replayOf(destination: string, count: number): void {
      const padding = 'r'.repeat(8 * 1024);
      app.probe.onSubscribe = (ctx) => {
        if (ctx.destination !== destination) return;
        return {
          replay: Array.from({ length: count }, (_, i) => ({
            body: `m${i + 1} ${padding}`,
            sequence: String(i + 1),
          })),
        };
      };
    }

    it('sends live messages published during the replay after it, without duplicates, to a client that reads late', async () => {
      const destination = '/topic/replay-live';
      const count = 2_048; // 16 MiB
      replayOf(destination, count);
      const client = await connectedClient(app, { login: 'pausing' });
      client.ws.pause();
      client.send(`SUBSCRIBE\nid:1\ndestination:${destination}\nreceipt:in\n\n\0`);
      await sleep(300); // the replay is under way, waiting for the client
      // Live copies of the last two replayed lines, then what came after them.
      app.broker.publish(destination, { body: `m${count - 1} live copy`, sequence: String(count - 1) });
      app.broker.publish(destination, { body: `m${count} live copy`, sequence: String(count) });
      app.broker.publish(destination, { body: 'typing' });
      app.broker.publish(destination, { body: `m${count + 1}`, sequence: String(count + 1) });
      app.broker.publish(destination, { body: `m${count + 2}`, sequence: String(count + 2) });
      await sleep(1_000);
      client.ws.resume();
      await beforeClose(client, client.waitFor('receipt-id:in', 20_000));
      app.broker.publish(destination, { body: `m${count + 3}`, sequence: String(count + 3) });
      await client.waitFor(`m${count + 3}`);
      app.probe.onSubscribe = () => undefined;
      expect(afterConnected(client.text)).not.toContain('ERROR');
      const expected = [
        ...Array.from({ length: count }, (_, i) => `m${i + 1}`),
        'typing',
        `m${count + 1}`,
        `m${count + 2}`,
        `m${count + 3}`,
      ];
      expect(bodies(client).map((body) => body.split(' ')[0])).toEqual(expected);
      client.close();
    });

    it('still drops a client that does not read its replay, as a slow consumer', async () => {
      const destination = '/topic/replay-unread';
      replayOf(destination, 2_048);
      const client = await connectedClient(app, { login: 'not-reading' });
      client.ws.pause();
      client.send(`SUBSCRIBE\nid:1\ndestination:${destination}\nreceipt:in\n\n\0`);
      await expectEventually(() => expect(app.probe.disconnected).toContain('not-reading'), {
        timeoutMs: 15_000,
      });
      app.probe.onSubscribe = () => undefined;
      client.ws.terminate();
    });
  });
});

describe('frames waiting to be handled', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('takes no maxQueuedFrames under 32, where reading pauses', () => {
    expect(() => resolveLimits({ maxQueuedFrames: 16 })).toThrow('maxQueuedFrames must be at least 32');
    expect(resolveLimits({ maxQueuedFrames: 32 }).maxQueuedFrames).toBe(32);
  });

  it('refuses a WebSocket message holding more frames than maxQueuedFrames, before CONNECT completes', async () => {
    const bystander = await connectedClient(app, { login: 'bystander' });
    const client = await RawClient.open(app.url);
    // 256 KiB (ws's maxPayload) of the smallest frame: ~37,000 frames in one message.
    const filler = 'NACK\n\n\0'.repeat(Math.floor((256 * 1024 - 64) / 7));
    client.send(`CONNECT\naccept-version:1.2\nhost:test\nlogin:flooder\n\n\0${filler}`);
    const error = await errorHeaders(client);
    expect(error).toMatchObject({
      code: 'too-many-queued-frames',
      message: 'more than 1024 frames waiting to be handled',
    });
    bystander.send('SEND\ndestination:/app/record/bystander\nreceipt:fine\n\n\0');
    await bystander.waitFor('receipt-id:fine');
    bystander.close();
  });

  it('refuses them behind a slow handler too, once connected', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    app.probe.onHook = () => gate;
    try {
      const client = await connectedClient(app, { login: 'piler' });
      client.send('SEND\ndestination:/app/hook\n\n\0');
      client.send('SEND\ndestination:/app/record/piled\n\n\0'.repeat(2_000));
      await expectEventually(() => expect(client.isClosed).toBe(true));
      expect((await errorHeaders(client)).code).toBe('too-many-queued-frames');
    } finally {
      release();
      app.probe.onHook = () => undefined;
    }
    expect(app.probe.sent.some((s) => s.params.key === 'piled')).toBe(false);
  });
});
