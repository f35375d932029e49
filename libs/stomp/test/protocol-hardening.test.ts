import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterConnected, RawClient } from './support/raw-client';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Input the library must refuse (ERROR, then close, nothing done) and closes it must not delay,
 * each seen from a raw client on a real server.
 */

async function connectedClient(app: TestApp): Promise<RawClient> {
  const client = await RawClient.open(app.url);
  await client.connect();
  return client;
}

/** The close, or a failure once `ms` have passed without it. */
async function closedWithin(client: RawClient, ms: number): Promise<{ code: number; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the server did not close within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([client.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends `frame` on a fresh session and resolves with what followed CONNECTED once the server closed. */
async function answerTo(app: TestApp, frame: string | Buffer): Promise<string> {
  const client = await connectedClient(app);
  client.send(frame);
  await closedWithin(client, 5_000);
  return afterConnected(client.text);
}

const keys = (app: TestApp): string[] => app.probe.sent.map((s) => s.params.key);

describe('closing a session whose socket was paused', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  // 32 waiting frames pause the socket; ERROR or DISCONNECT must still complete the close
  // handshake at once, not after ws's 30 s close timeout.
  const pipelined = (first: string, last = ''): string => {
    let stream = first;
    for (let i = 0; i < 40; i += 1) stream += `SEND\ndestination:/app/record/piped\nreceipt:r${i}\n\n\0`;
    return stream + last;
  };

  it('closes at once after an ERROR answering the first of 41 pipelined frames', async () => {
    const client = await connectedClient(app);
    client.send(pipelined('SEND\ndestination:/nowhere\nreceipt:bad\n\n\0'));
    const closed = await closedWithin(client, 2_000);
    expect(closed.code).toBe(1002);
    expect(afterConnected(client.text)).toBe(
      'ERROR\nmessage:no handler for SEND to /nowhere\ncode:unknown-destination\nreceipt-id:bad\n\n\0',
    );
  });

  it('closes at once after a DISCONNECT pipelined behind 40 frames', async () => {
    const client = await connectedClient(app);
    client.send(pipelined('', 'DISCONNECT\nreceipt:bye\n\n\0'));
    const closed = await closedWithin(client, 2_000);
    expect(closed.code).toBe(1000);
    expect(client.count('RECEIPT\n')).toBe(41);
    expect(client.text.endsWith('RECEIPT\nreceipt-id:bye\n\n\0')).toBe(true);
  });
});

describe('header grammar (STOMP 1.2)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('refuses an undefined escape in a repeated header, whose value is otherwise dropped', async () => {
    const answer = await answerTo(app, 'SEND\ndestination:/app/record/rep\nreceipt:ok\nreceipt:r\\t\n\n\0');
    expect(answer).toBe(
      'ERROR\nmessage:undefined escape sequence \\\\t in header (STOMP 1.2)\ncode:invalid-escape\n\n\0',
    );
    expect(keys(app)).not.toContain('rep');
  });

  it('refuses a raw carriage return inside a header value', async () => {
    const answer = await answerTo(app, 'SEND\ndestination:/app/record/cr\nreceipt:a\rb\n\n\0');
    expect(answer).toBe('ERROR\nmessage:carriage return inside a header line\ncode:malformed-header\n\n\0');
    expect(keys(app)).not.toContain('cr');
  });

  it('refuses a header with an empty name', async () => {
    const answer = await answerTo(app, 'SEND\ndestination:/app/record/empty\n:value\nreceipt:e\n\n\0');
    expect(answer).toBe('ERROR\nmessage:header line with an empty name\ncode:malformed-header\n\n\0');
    expect(keys(app)).not.toContain('empty');
  });

  it('still takes CRLF line ends and an escaped \\r', async () => {
    const client = await connectedClient(app);
    client.send('SEND\r\ndestination:/app/record/crlf\r\nx:a\\rb\r\nreceipt:ok\r\n\r\n\0');
    await client.waitFor('RECEIPT\nreceipt-id:ok\n\n\0');
    expect(app.probe.sent.find((s) => s.params.key === 'crlf')?.headers.x).toBe('a\rb');
    client.close();
  });
});

describe('UTF-8', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  const frame = (head: string, bytes: number[], tail: string): Buffer =>
    Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);

  it('refuses a header that is not valid UTF-8 instead of rewriting it (text and binary messages)', async () => {
    for (const binary of [false, true]) {
      const client = await connectedClient(app);
      client.send(frame('SEND\ndestination:/app/record/bad-header\nreceipt:r-', [0xff], '\n\n\0'), binary);
      await closedWithin(client, 5_000);
      expect(afterConnected(client.text)).toBe(
        'ERROR\nmessage:header is not valid UTF-8\ncode:malformed-header\n\n\0',
      );
    }
    expect(keys(app)).not.toContain('bad-header');
  });

  it('keeps a header holding a real U+FFFD', async () => {
    const client = await connectedClient(app);
    client.send('SEND\ndestination:/app/record/fffd\nreceipt:r-\uFFFD\n\n\0');
    await client.waitFor('RECEIPT\nreceipt-id:r-\uFFFD\n\n\0');
    client.close();
  });

  it('refuses a body that is not valid UTF-8 where the handler reads it as text or JSON', async () => {
    expect(
      await answerTo(app, frame('SEND\ndestination:/app/record/bad-body\n\nx', [0xc3, 0x28], '\0')),
    ).toBe('ERROR\nmessage:body is not valid UTF-8\ncode:malformed-frame\n\n\0');
    expect(
      await answerTo(app, frame('SEND\ndestination:/app/json\n\n{"text":"', [0xe2, 0x82], '"}\0')),
    ).toMatch(/^ERROR\nmessage:body is not valid JSON\ncode:invalid-json\ncontent-type:text\/plain\n/);
    expect(keys(app)).not.toContain('bad-body');
    expect(app.probe.sent.map((s) => s.body)).not.toContain('\uFFFD');
  });

  it('passes a valid body holding U+FFFD on unchanged', async () => {
    const client = await connectedClient(app);
    client.send('SEND\ndestination:/app/json\nreceipt:ok\n\n{"text":"a\uFFFDb"}\0');
    await client.waitFor('receipt-id:ok');
    expect(app.probe.sent.map((s) => s.body)).toContain('a\uFFFDb');
    client.close();
  });
});

describe('COMMIT checks ACK/NACK ids before running any frame', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  /** A session subscribed to `destination` in `mode`, with the ack ids of two MESSAGEs. */
  async function withTwoMessages(destination: string, mode: string): Promise<[RawClient, string, string]> {
    const client = await connectedClient(app);
    client.send(`SUBSCRIBE\nid:s\ndestination:${destination}\nack:${mode}\nreceipt:in\n\n\0`);
    await client.waitFor('receipt-id:in');
    app.broker.publish(destination, { body: 'm1' });
    app.broker.publish(destination, { body: 'm2' });
    const [first, second] = [...(await client.waitFor('m2\0')).matchAll(/\nack:(\d+)\n/g)].map((m) => m[1]);
    return [client, first, second];
  }

  it('refuses a COMMIT whose ACK names no message awaiting acknowledgement, before its SEND runs', async () => {
    const answer = await answerTo(
      app,
      'BEGIN\ntransaction:t\n\n\0' +
        'SEND\ndestination:/app/record/tx-ack\ntransaction:t\n\nfirst\0' +
        'ACK\nid:999999\ntransaction:t\n\n\0' +
        'COMMIT\ntransaction:t\nreceipt:c\n\n\0',
    );
    expect(answer).toBe(
      'ERROR\nmessage:ACK of 999999, which is not a message awaiting acknowledgement\ncode:unknown-ack-id\nreceipt-id:c\n\n\0',
    );
    expect(keys(app)).not.toContain('tx-ack');
  });

  it('counts what the transaction’s earlier ACKs release: a repeated or already covered id refuses it whole', async () => {
    const cases: [string, (first: string, second: string) => string[]][] = [
      ['client-individual', (first) => [`ACK\nid:${first}`, `NACK\nid:${first}`]],
      ['client', (first, second) => [`ACK\nid:${second}`, `ACK\nid:${first}`]], // cumulative
    ];
    for (const [mode, acks] of cases) {
      const [client, first, second] = await withTwoMessages(`/topic/tx-${mode}`, mode);
      const [ok, covered] = acks(first, second);
      client.send(
        `BEGIN\ntransaction:t\n\n\0${ok}\ntransaction:t\n\n\0` +
          `SEND\ndestination:/app/record/tx-${mode}\ntransaction:t\n\n\0` +
          `${covered}\ntransaction:t\n\n\0COMMIT\ntransaction:t\nreceipt:c\n\n\0`,
      );
      await closedWithin(client, 5_000);
      expect(client.text).toMatch(
        /ERROR\nmessage:[^\n]+ which is not a message awaiting acknowledgement\ncode:unknown-ack-id\nreceipt-id:c\n\n\0$/,
      );
      expect(keys(app)).not.toContain(`tx-${mode}`);
    }
  });

  it('still runs a COMMIT of good ACKs and SENDs, in order', async () => {
    const [client, first, second] = await withTwoMessages('/topic/tx-good', 'client-individual');
    client.send(
      `BEGIN\ntransaction:t\n\n\0ACK\nid:${first}\ntransaction:t\n\n\0` +
        'SEND\ndestination:/app/record/tx-good\ntransaction:t\n\n\0' +
        `NACK\nid:${second}\ntransaction:t\n\n\0COMMIT\ntransaction:t\nreceipt:c\n\n\0`,
    );
    await client.waitFor('receipt-id:c');
    expect(keys(app)).toContain('tx-good');
    client.send(`ACK\nid:${first}\n\n\0`); // released by the COMMIT
    await closedWithin(client, 5_000);
    expect(client.text).toMatch(/code:unknown-ack-id\n\n\0$/);
  });
});

describe('transaction bytes', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ limits: { maxTransactionBytes: 10_000 } });
  });
  afterAll(() => app.close());

  it('counts headers in UTF-8 bytes: 3-byte characters are 3 bytes each toward maxTransactionBytes', async () => {
    const client = await connectedClient(app);
    client.send('BEGIN\ntransaction:t\n\n\0');
    const wide = '\u20ac'.repeat(1300); // 3,900 bytes in a 4 KiB header line
    for (let i = 0; i < 6 && !client.isClosed; i += 1) {
      client.send(`SEND\ndestination:/app/record/wide\ntransaction:t\nx:${wide}\nreceipt:e${i}\n\n\0`);
      await client.waitFor(new RegExp(`receipt-id:e${i}\n|ERROR`));
    }
    await closedWithin(client, 5_000);
    expect(afterConnected(client.text)).toBe(
      'RECEIPT\nreceipt-id:e0\n\n\0RECEIPT\nreceipt-id:e1\n\n\0' +
        'ERROR\nmessage:open transactions would hold more than 10000 bytes\ncode:transaction-too-large\nreceipt-id:e2\n\n\0',
    );
  });
});

describe('identifier headers at the smallest maxIdHeaderBytes (16)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ limits: { maxIdHeaderBytes: 16 } });
  });
  afterAll(() => app.close());

  it('takes SUBSCRIBE’s ack mode client-individual (17 bytes): it is a mode, not an id', async () => {
    const client = await connectedClient(app);
    client.send('SUBSCRIBE\nid:s\ndestination:/topic/mode\nack:client-individual\nreceipt:r\n\n\0');
    await client.waitFor('RECEIPT\nreceipt-id:r\n\n\0');
    client.close();
  });

  it('still refuses an over-long ack id on ACK', async () => {
    const answer = await answerTo(app, `ACK\nid:1\nack:${'a'.repeat(17)}\n\n\0`);
    expect(answer).toBe('ERROR\nmessage:ack header is longer than 16 bytes\ncode:header-too-long\n\n\0');
  });
});
