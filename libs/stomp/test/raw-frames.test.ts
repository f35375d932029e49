import { expectEventually } from '@playlist-chat/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterConnected, RawClient } from './support/raw-client';
import { startTestApp, type TestApp } from './support/test-app';

/** A connected raw client of `version` subscribed to `destination` (with a receipt, so it is live). */
async function subscriber(
  app: TestApp,
  destination: string,
  version = '1.2',
  id = 'sub-0',
): Promise<RawClient> {
  const client = await RawClient.open(app.url);
  await client.connect({}, version);
  client.send(`SUBSCRIBE\nid:${id}\ndestination:${destination}\nreceipt:ready\n\n\0`);
  await client.waitFor('RECEIPT\nreceipt-id:ready\n\n\0');
  return client;
}

describe('frame encoding on the wire (raw frames)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('unescapes SEND headers per the session version', async () => {
    const cases = [
      { version: '1.2', raw: 'x:a\\cb\\nc\\\\d\\re', expected: 'a:b\nc\\d\re' },
      { version: '1.1', raw: 'x:a\\cb\\nc\\\\d', expected: 'a:b\nc\\d' },
      { version: '1.0', raw: 'x:a\\cb\\nc\\\\d\\re', expected: 'a\\cb\\nc\\\\d\\re' },
    ];
    for (const { version, raw, expected } of cases) {
      const client = await RawClient.open(app.url);
      await client.connect({}, version);
      const key = `esc-${version}`;
      client.send(`SEND\ndestination:/app/record/${key}\n${raw}\nreceipt:r\n\n\0`);
      await client.waitFor('RECEIPT\nreceipt-id:r\n\n\0');
      expect(app.probe.sent.find((s) => s.params.key === key)?.headers.x).toBe(expected);
      client.close();
    }
  });

  it('answers an undefined escape (\\r in 1.1, \\t anywhere) with ERROR and closes', async () => {
    for (const [version, header] of [
      ['1.1', 'x:a\\rb'],
      ['1.2', 'x:a\\tb'],
    ]) {
      const client = await RawClient.open(app.url);
      await client.connect({}, version);
      client.send(`SEND\ndestination:/app/record/bad-esc\n${header}\n\n\0`);
      await client.closed;
      expect(afterConnected(client.text)).toMatch(
        /^ERROR\nmessage:undefined escape sequence \\\\[rt] in header \(STOMP 1\.[12]\)\ncode:invalid-escape\n\n\0$/,
      );
    }
  });

  it('escapes MESSAGE headers per subscriber version (one publish, three encodings)', async () => {
    const destination = '/topic/escape-out';
    const clients = {
      '1.2': await subscriber(app, destination, '1.2'),
      '1.1': await subscriber(app, destination, '1.1'),
      '1.0': await subscriber(app, destination, '1.0'),
    };
    app.broker.publish(destination, { body: 'x', headers: { note: 'a:b\nc\\d\re' } });
    const expectedNote = { '1.2': 'a\\cb\\nc\\\\d\\re', '1.1': 'a\\cb\\nc\\\\d e', '1.0': 'a:b c\\d e' };
    for (const [version, client] of Object.entries(clients) as [keyof typeof expectedNote, RawClient][]) {
      const text = await client.waitFor('MESSAGE');
      const message = text.slice(text.indexOf('MESSAGE'));
      expect(message).toMatch(
        new RegExp(
          `^MESSAGE\\nsubscription:sub-0\\nmessage-id:[0-9a-f]+-[0-9a-z]+\\ndestination:/topic/escape-out\\ncontent-type:text/plain\\ncontent-length:1\\nnote:${expectedNote[version].replace(/\\/g, '\\\\')}\\n\\nx\\0$`,
        ),
      );
      client.close();
    }
  });

  it('carries NUL bytes in a body framed by content-length, both ways', async () => {
    const destination = '/topic/nul-body';
    const listener = await subscriber(app, destination);
    const sender = await RawClient.open(app.url);
    await sender.connect();
    sender.send(
      Buffer.from(
        `SEND\ndestination:/app/publish/nul-body\ncontent-type:application/octet-stream\ncontent-length:5\nreceipt:n\n\na\0b\0c\0`,
        'latin1',
      ),
    );
    await sender.waitFor('receipt-id:n');
    await listener.waitFor('MESSAGE');
    const message = Buffer.concat(listener.messages.map((m) => m.data)).toString('latin1');
    expect(message.slice(message.indexOf('MESSAGE'))).toMatch(
      /^MESSAGE\nsubscription:sub-0\nmessage-id:[^\n]+\ndestination:\/topic\/nul-body\ncontent-type:application\/octet-stream\ncontent-length:5\n\na\0b\0c\0$/,
    );
    listener.close();
    sender.close();
  });

  it('reads a frame split across many WebSocket messages, and many frames from one message', async () => {
    const client = await RawClient.open(app.url);
    const stream =
      'CONNECT\naccept-version:1.2\n\n\0\nSEND\ndestination:/app/record/split-1\nreceipt:s1\n\nfirst\0\n\nSEND\r\ndestination:/app/record/split-2\r\nreceipt:s2\r\n\r\nsecond\0';
    for (const ch of stream) client.send(ch, false);
    await client.waitFor('receipt-id:s2');
    client.send(
      'SEND\ndestination:/app/record/split-3\n\nthird\0SEND\ndestination:/app/record/split-4\nreceipt:s4\n\nfourth\0\n',
    );
    await client.waitFor('receipt-id:s4');
    expect(afterConnected(client.text)).toBe(
      'RECEIPT\nreceipt-id:s1\n\n\0RECEIPT\nreceipt-id:s2\n\n\0RECEIPT\nreceipt-id:s4\n\n\0',
    );
    const bodies = app.probe.sent
      .filter((s) => s.params.key.startsWith('split-'))
      .map((s) => `${s.params.key}=${s.body}`);
    expect(bodies).toEqual(['split-1=first', 'split-2=second', 'split-3=third', 'split-4=fourth']);
    client.close();
  });

  it('accepts text and binary WebSocket messages alike', async () => {
    const client = await RawClient.open(app.url);
    client.send(Buffer.from('CONNECT\naccept-version:1.2\n\n\0'), true);
    await client.waitFor('CONNECTED');
    client.send('SEND\ndestination:/app/record/text-msg\nreceipt:t\n\n\0', false);
    client.send(Buffer.from('SEND\ndestination:/app/record/binary-msg\nreceipt:b\n\n\0'), true);
    await client.waitFor('receipt-id:b');
    expect(afterConnected(client.text)).toBe('RECEIPT\nreceipt-id:t\n\n\0RECEIPT\nreceipt-id:b\n\n\0');
    client.close();
  });

  it('sends text WebSocket messages for UTF-8 frames and binary ones for other bodies', async () => {
    const destination = '/topic/ws-types';
    const client = await subscriber(app, destination);
    app.broker.publish(destination, { body: '{"a":"정"}' });
    app.broker.publish(destination, { body: Buffer.from([0xc3, 0x28]) });
    await expectEventually(() =>
      expect(client.messages.filter((m) => m.data.includes('MESSAGE'))).toHaveLength(2),
    );
    expect(client.messages.filter((m) => m.data.includes('MESSAGE')).map((m) => m.binary)).toEqual([
      false,
      true,
    ]);
    client.close();
  });

  it('delivers bodies whose WebSocket length takes 7, 16 and 64 bits whole, in order with other frames', async () => {
    // A shared MESSAGE goes out as a WebSocket frame the library makes itself; RECEIPTs and
    // heart-beats go through ws. Both kinds must reach the client whole and in the order sent.
    const destination = '/topic/ws-lengths';
    const client = await subscriber(app, destination);
    const sizes = [0, 30, 125, 126, 65_535, 65_536, 70_000];
    for (const size of sizes) app.broker.publish(destination, { body: 'x'.repeat(size) });
    client.send('SEND\ndestination:/app/record/after-lengths\nreceipt:after\n\n\0');
    await client.waitFor('receipt-id:after');
    const frames = client.messages
      .filter((m) => !(m.data.length === 1 && m.data[0] === 0x0a)) // heart-beats
      .map((m) => m.data.toString('utf8'))
      .slice(-(sizes.length + 1));
    expect(frames.at(-1)).toBe('RECEIPT\nreceipt-id:after\n\n\0');
    expect(frames.slice(0, -1).map((frame) => frame.split('\n\n')[1].length - 1)).toEqual(sizes);
    for (const [i, frame] of frames.slice(0, -1).entries()) {
      expect(frame.startsWith('MESSAGE\nsubscription:sub-0\n')).toBe(true);
      expect(frame).toContain(`content-length:${sizes[i]}\n`);
      expect(frame.endsWith(`${'x'.repeat(sizes[i])}\0`)).toBe(true);
    }
    client.close();
  });
});

describe('limits (raw frames)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      limits: { maxFrameBytes: 300, maxHeaders: 4, maxHeaderLineBytes: 64, maxBodyBytes: 100 },
    });
  });
  afterAll(() => app.close());

  const cases: [string, string, string][] = [
    [
      'too many headers',
      'SEND\ndestination:/app/record/l\na:1\nb:2\nc:3\nd:4\n\n\0',
      'ERROR\nmessage:frame has more than 4 headers\ncode:too-many-headers\n\n\0',
    ],
    [
      'a long header line',
      `SEND\ndestination:/app/record/l\nx:${'y'.repeat(80)}\n\n\0`,
      'ERROR\nmessage:a header line is longer than 64 bytes\ncode:header-line-too-long\n\n\0',
    ],
    [
      'a large declared body',
      'SEND\ndestination:/app/record/l\ncontent-length:101\n\n',
      'ERROR\nmessage:body of 101 bytes is larger than 100 bytes\ncode:body-too-large\n\n\0',
    ],
    [
      'a large body',
      `SEND\ndestination:/app/record/l\n\n${'b'.repeat(120)}`,
      'ERROR\nmessage:body of 120 bytes is larger than 100 bytes\ncode:body-too-large\n\n\0',
    ],
    [
      'a large frame',
      `SEND\ndestination:/app/record/l\na:${'1'.repeat(60)}\nb:${'2'.repeat(60)}\nc:${'3'.repeat(60)}\n\n${'b'.repeat(99)}\0`,
      'ERROR\nmessage:frame is larger than 300 bytes\ncode:frame-too-large\n\n\0',
    ],
    [
      'a malformed header',
      'SEND\ndestination:/app/record/l\nno-colon\n\n\0',
      'ERROR\nmessage:header line without a colon\ncode:malformed-header\n\n\0',
    ],
  ];

  it.each(cases)('answers %s with ERROR and closes; other connections go on', async (_name, frame, error) => {
    const bystander = await RawClient.open(app.url);
    await bystander.connect();
    const offender = await RawClient.open(app.url);
    await offender.connect();
    offender.send(frame);
    const closed = await offender.closed;
    expect(afterConnected(offender.text)).toBe(error);
    expect(closed.code).toBe(1002);
    bystander.send('SEND\ndestination:/app/record/bystander\nreceipt:still-here\n\nok\0');
    await bystander.waitFor('RECEIPT\nreceipt-id:still-here\n\n\0');
    expect(bystander.isClosed).toBe(false);
    bystander.close();
  });

  it('refuses an over-limit frame that arrives one byte per message, before it ends', async () => {
    const offender = await RawClient.open(app.url);
    await offender.connect();
    offender.send('SEND\ndestination:/app/record/l\n\n');
    for (let i = 0; i < 150 && !offender.isClosed; i += 1) offender.send('b');
    await offender.closed;
    expect(afterConnected(offender.text)).toMatch(
      /^ERROR\nmessage:body of 10\d bytes is larger than 100 bytes\ncode:body-too-large\n\n\0$/,
    );
  });
});
