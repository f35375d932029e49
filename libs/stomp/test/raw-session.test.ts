import { expectEventually } from '@playlist-chat/platform/testing';
import { StompError } from '@playlist-chat/stomp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterConnected, RawClient } from './support/raw-client';
import { startTestApp, type TestApp } from './support/test-app';

const MESSAGE_ID = '[0-9a-f]+-[0-9a-z]+';

async function connectedClient(
  app: TestApp,
  headers: Record<string, string> = {},
  version = '1.2',
): Promise<RawClient> {
  const client = await RawClient.open(app.url);
  await client.connect(headers, version);
  return client;
}

/** Bodies of the MESSAGE frames received so far. */
function bodies(client: RawClient): string[] {
  return [...client.text.matchAll(/MESSAGE\n[^]*?\n\n([^\0]*)\0/g)].map((m) => m[1]);
}

describe('session rules (raw frames)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ limits: { maxSubscriptionsPerSession: 3 } });
  });
  afterAll(() => app.close());

  it('answers a receipt on every kind of client frame after its work, in order', async () => {
    const client = await connectedClient(app);
    client.send(
      'SUBSCRIBE\nid:1\ndestination:/topic/receipts\nreceipt:r-sub\n\n\0' +
        'SEND\ndestination:/app/record/receipts\nreceipt:r-send\n\nx\0' +
        'BEGIN\ntransaction:t\nreceipt:r-begin\n\n\0' +
        'ABORT\ntransaction:t\nreceipt:r-abort\n\n\0' +
        'UNSUBSCRIBE\nid:1\nreceipt:r-unsub\n\n\0',
    );
    await client.waitFor('r-unsub');
    expect(afterConnected(client.text)).toBe(
      ['r-sub', 'r-send', 'r-begin', 'r-abort', 'r-unsub']
        .map((id) => `RECEIPT\nreceipt-id:${id}\n\n\0`)
        .join(''),
    );
    client.close();
  });

  it('handles one connection’s frames strictly in order: a SEND’s handler finishes before the next frame starts', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    app.probe.onHook = async () => {
      started.push('hook');
      await gate;
    };
    const client = await connectedClient(app);
    client.send(
      'SEND\ndestination:/app/hook\nreceipt:h\n\n\0SEND\ndestination:/app/record/after-hook\nreceipt:r\n\n\0',
    );
    await expectEventually(() => expect(started).toEqual(['hook']));
    expect(app.probe.sent.some((s) => s.params.key === 'after-hook')).toBe(false);
    expect(afterConnected(client.text)).toBe('');
    release();
    await client.waitFor('receipt-id:r');
    expect(afterConnected(client.text)).toBe('RECEIPT\nreceipt-id:h\n\n\0RECEIPT\nreceipt-id:r\n\n\0');
    expect(app.probe.sent.some((s) => s.params.key === 'after-hook')).toBe(true);
    app.probe.onHook = () => undefined;
    client.close();
  });

  it('DISCONNECT with a receipt gets the RECEIPT, then a clean close', async () => {
    const client = await connectedClient(app);
    client.send('DISCONNECT\nreceipt:bye\n\n\0');
    const closed = await client.closed;
    expect(afterConnected(client.text)).toBe('RECEIPT\nreceipt-id:bye\n\n\0');
    expect(closed.code).toBe(1000);
  });

  it('turns a StompError from a handler into ERROR with code, message, details and receipt-id, then closes', async () => {
    const client = await connectedClient(app);
    client.send('SEND\ndestination:/app/refuse\nreceipt:nope\n\n\0');
    await client.closed;
    expect(afterConnected(client.text)).toBe(
      'ERROR\nmessage:not allowed here\ncode:refused\nreceipt-id:nope\ncontent-type:text/plain\ncontent-length:18\n\nlonger explanation\0',
    );
  });

  it.each([
    [
      'a JSON object',
      '{"errors":[{"field":"roomId","reason":"must be a UUID"}]}',
      undefined,
      'application/json',
    ],
    ['a JSON array', ' [1, 2]', undefined, 'application/json'],
    ['text that only starts like JSON', '[see the logs]', undefined, 'text/plain'],
    ['whatever the error names', 'a,b\n1,2', 'text/csv', 'text/csv'],
  ])('labels ERROR details that are %s by their content type', async (_what, details, named, expected) => {
    app.probe.onHook = () => {
      throw new StompError('invalid-payload', 'bad fields', details, named);
    };
    const client = await connectedClient(app);
    client.send('SEND\ndestination:/app/hook\nreceipt:d\n\n\0');
    await client.closed;
    app.probe.onHook = () => undefined;
    expect(afterConnected(client.text)).toBe(
      `ERROR\nmessage:bad fields\ncode:invalid-payload\nreceipt-id:d\ncontent-type:${expected}\ncontent-length:${Buffer.byteLength(details)}\n\n${details}\0`,
    );
  });

  it('turns any other handler failure into a generic internal-error, with no unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const client = await connectedClient(app);
      const bystander = await connectedClient(app);
      client.send('SEND\ndestination:/app/crash\nreceipt:boom\n\n\0');
      await client.closed;
      expect(afterConnected(client.text)).toBe(
        'ERROR\nmessage:internal server error\ncode:internal-error\nreceipt-id:boom\n\n\0',
      );
      bystander.send('SEND\ndestination:/app/record/after-crash\nreceipt:ok\n\n\0');
      await bystander.waitFor('receipt-id:ok');
      bystander.close();
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('refuses a body that is not JSON where the handler asks for JSON', async () => {
    const client = await connectedClient(app);
    client.send('SEND\ndestination:/app/json\nreceipt:j\n\n{oops\0');
    await client.closed;
    expect(afterConnected(client.text)).toMatch(
      /^ERROR\nmessage:body is not valid JSON\ncode:invalid-json\nreceipt-id:j\ncontent-type:text\/plain\ncontent-length:\d+\n\n[^\0]+\0$/,
    );
  });

  it.each([
    [
      'SEND without destination',
      'SEND\nreceipt:e\n\n\0',
      'ERROR\nmessage:SEND requires a destination header\ncode:missing-header\nreceipt-id:e\n\n\0',
    ],
    [
      'SEND to an unknown destination',
      'SEND\ndestination:/nowhere\nreceipt:e\n\n\0',
      'ERROR\nmessage:no handler for SEND to /nowhere\ncode:unknown-destination\nreceipt-id:e\n\n\0',
    ],
    [
      'SUBSCRIBE without id',
      'SUBSCRIBE\ndestination:/topic/a\nreceipt:e\n\n\0',
      'ERROR\nmessage:SUBSCRIBE requires a id header\ncode:missing-header\nreceipt-id:e\n\n\0',
    ],
    [
      'SUBSCRIBE without destination',
      'SUBSCRIBE\nid:1\nreceipt:e\n\n\0',
      'ERROR\nmessage:SUBSCRIBE requires a destination header\ncode:missing-header\nreceipt-id:e\n\n\0',
    ],
    [
      'SUBSCRIBE to an unknown destination',
      'SUBSCRIBE\nid:1\ndestination:/queue/x\n\n\0',
      'ERROR\nmessage:no subscriptions allowed to /queue/x\ncode:unknown-destination\n\n\0',
    ],
    [
      'SUBSCRIBE refused by the authorizer',
      'SUBSCRIBE\nid:1\ndestination:/topic/forbidden\nreceipt:e\n\n\0',
      'ERROR\nmessage:anonymous may not subscribe\ncode:forbidden\nreceipt-id:e\n\n\0',
    ],
    [
      'SUBSCRIBE with a bad ack mode',
      'SUBSCRIBE\nid:1\ndestination:/topic/a\nack:sometimes\n\n\0',
      'ERROR\nmessage:ack must be one of auto, client, client-individual\ncode:invalid-header\n\n\0',
    ],
    [
      'a duplicate subscription id',
      'SUBSCRIBE\nid:1\ndestination:/topic/a\n\n\0SUBSCRIBE\nid:1\ndestination:/topic/b\nreceipt:dup\n\n\0',
      'ERROR\nmessage:subscription id 1 is already in use on this connection\ncode:duplicate-subscription\nreceipt-id:dup\n\n\0',
    ],
    [
      'too many subscriptions',
      [1, 2, 3, 4].map((i) => `SUBSCRIBE\nid:${i}\ndestination:/topic/m${i}\n\n\0`).join(''),
      'ERROR\nmessage:more than 3 subscriptions\ncode:too-many-subscriptions\n\n\0',
    ],
    [
      'UNSUBSCRIBE of an unknown id',
      'UNSUBSCRIBE\nid:9\n\n\0',
      'ERROR\nmessage:no subscription with id 9\ncode:unknown-subscription\n\n\0',
    ],
    [
      'UNSUBSCRIBE without id',
      'UNSUBSCRIBE\n\n\0',
      'ERROR\nmessage:UNSUBSCRIBE requires an id header\ncode:missing-header\n\n\0',
    ],
    [
      'ACK of an unknown id',
      'ACK\nid:77\nreceipt:a\n\n\0',
      'ERROR\nmessage:ACK of 77, which is not a message awaiting acknowledgement\ncode:unknown-ack-id\nreceipt-id:a\n\n\0',
    ],
    [
      'SEND in an unknown transaction',
      'SEND\ndestination:/app/record/t\ntransaction:nope\n\n\0',
      'ERROR\nmessage:no open transaction nope\ncode:unknown-transaction\n\n\0',
    ],
    [
      'COMMIT of an unknown transaction',
      'COMMIT\ntransaction:nope\n\n\0',
      'ERROR\nmessage:no open transaction nope\ncode:unknown-transaction\n\n\0',
    ],
    [
      'BEGIN twice',
      'BEGIN\ntransaction:t\n\n\0BEGIN\ntransaction:t\n\n\0',
      'ERROR\nmessage:transaction t is already open\ncode:duplicate-transaction\n\n\0',
    ],
    ['an unknown command', 'FLY\n\n\0', 'ERROR\nmessage:unknown command "FLY"\ncode:unknown-command\n\n\0'],
  ])('answers %s with ERROR and closes', async (_name, frames, error) => {
    const client = await connectedClient(app);
    client.send(frames);
    await client.closed;
    expect(afterConnected(client.text)).toBe(error);
  });

  it('delivers to subscribers until they UNSUBSCRIBE', async () => {
    const destination = '/topic/unsub';
    const client = await connectedClient(app);
    client.send(`SUBSCRIBE\nid:s\ndestination:${destination}\nreceipt:in\n\n\0`);
    await client.waitFor('receipt-id:in');
    expect(app.broker.publish(destination, { body: 'one' })).toBe(1);
    await client.waitFor('one');
    client.send('UNSUBSCRIBE\nid:s\nreceipt:out\n\n\0');
    await client.waitFor('receipt-id:out');
    expect(app.broker.publish(destination, { body: 'two' })).toBe(0);
    expect(bodies(client)).toEqual(['one']);
    client.close();
  });

  it('client-individual: MESSAGE carries ack; ACK and NACK release one message each; a second ACK is refused', async () => {
    const destination = '/topic/ack-individual';
    const client = await connectedClient(app);
    client.send(`SUBSCRIBE\nid:s\ndestination:${destination}\nack:client-individual\nreceipt:in\n\n\0`);
    await client.waitFor('receipt-id:in');
    app.broker.publish(destination, { body: 'm1' });
    app.broker.publish(destination, { body: 'm2' });
    const text = await client.waitFor('m2\0');
    expect(afterConnected(text)).toMatch(
      new RegExp(
        `^RECEIPT\\nreceipt-id:in\\n\\n\\0MESSAGE\\nsubscription:s\\nack:(\\d+)\\nmessage-id:${MESSAGE_ID}\\ndestination:${destination}\\ncontent-type:text/plain\\ncontent-length:2\\n\\nm1\\0MESSAGE\\nsubscription:s\\nack:(\\d+)\\nmessage-id:${MESSAGE_ID}\\n[^\\0]*m2\\0$`,
      ),
    );
    const [first, second] = [...text.matchAll(/\nack:(\d+)\n/g)].map((m) => m[1]);
    client.send(`ACK\nid:${second}\nreceipt:a2\n\n\0NACK\nid:${first}\nreceipt:n1\n\n\0`);
    await client.waitFor('receipt-id:n1');
    client.send(`ACK\nid:${first}\nreceipt:again\n\n\0`);
    await client.closed;
    expect(client.text).toMatch(
      new RegExp(
        `RECEIPT\\nreceipt-id:a2\\n\\n\\0RECEIPT\\nreceipt-id:n1\\n\\n\\0ERROR\\nmessage:ACK of ${first}, which is not a message awaiting acknowledgement\\ncode:unknown-ack-id\\nreceipt-id:again\\n\\n\\0$`,
      ),
    );
  });

  it('client: ACK is cumulative, releasing the earlier messages too', async () => {
    const destination = '/topic/ack-cumulative';
    const client = await connectedClient(app);
    client.send(`SUBSCRIBE\nid:s\ndestination:${destination}\nack:client\nreceipt:in\n\n\0`);
    await client.waitFor('receipt-id:in');
    app.broker.publish(destination, { body: 'm1' });
    app.broker.publish(destination, { body: 'm2' });
    const [first, second] = [...(await client.waitFor('m2\0')).matchAll(/\nack:(\d+)\n/g)].map((m) => m[1]);
    client.send(`ACK\nid:${second}\nreceipt:all\n\n\0ACK\nid:${first}\n\n\0`);
    await client.closed;
    expect(afterConnected(client.text)).toMatch(
      /RECEIPT\nreceipt-id:all\n\n\0ERROR\nmessage:ACK of \d+, which is not a message awaiting acknowledgement\ncode:unknown-ack-id\n\n\0$/,
    );
  });

  it('STOMP 1.1 acknowledges by subscription and message-id', async () => {
    const destination = '/topic/ack-11';
    const client = await connectedClient(app, {}, '1.1');
    client.send(`SUBSCRIBE\nid:s\ndestination:${destination}\nack:client-individual\nreceipt:in\n\n\0`);
    await client.waitFor('receipt-id:in');
    app.broker.publish(destination, { body: 'm1' });
    const messageId = /message-id:([^\n]+)\n/.exec(await client.waitFor('m1\0'))![1];
    expect(client.text).not.toContain('\nack:');
    client.send(`ACK\nsubscription:s\nmessage-id:${messageId}\nreceipt:a\n\n\0`);
    await client.waitFor('receipt-id:a');
    expect(client.isClosed).toBe(false);
    client.close();
  });

  it('applies a transaction’s frames on COMMIT and drops them on ABORT', async () => {
    const client = await connectedClient(app);
    client.send(
      'BEGIN\ntransaction:dropped\n\n\0SEND\ndestination:/app/record/tx-dropped\ntransaction:dropped\n\n\0ABORT\ntransaction:dropped\n\n\0',
    );
    client.send(
      'BEGIN\ntransaction:kept\n\n\0SEND\ndestination:/app/record/tx-kept\ntransaction:kept\nreceipt:enlisted\n\n1\0SEND\ndestination:/app/record/tx-kept\ntransaction:kept\n\n2\0',
    );
    await client.waitFor('receipt-id:enlisted');
    expect(app.probe.sent.filter((s) => s.params.key.startsWith('tx-'))).toEqual([]);
    client.send('COMMIT\ntransaction:kept\nreceipt:committed\n\n\0');
    await client.waitFor('receipt-id:committed');
    expect(
      app.probe.sent.filter((s) => s.params.key.startsWith('tx-')).map((s) => `${s.params.key}:${s.body}`),
    ).toEqual(['tx-kept:1', 'tx-kept:2']);
    client.close();
  });

  it('reports a failure during COMMIT with the COMMIT’s receipt-id', async () => {
    const client = await connectedClient(app);
    client.send(
      'BEGIN\ntransaction:t\n\n\0SEND\ndestination:/app/refuse\ntransaction:t\n\n\0COMMIT\ntransaction:t\nreceipt:c\n\n\0',
    );
    await client.closed;
    expect(afterConnected(client.text)).toMatch(
      /^ERROR\nmessage:not allowed here\ncode:refused\nreceipt-id:c\n/,
    );
  });

  it('sends user destinations only to that user’s sessions, without an authorizer', async () => {
    const erin = await connectedClient(app, { login: 'erin' });
    const erinPhone = await connectedClient(app, { login: 'erin' });
    const frank = await connectedClient(app, { login: 'frank' });
    for (const client of [erin, erinPhone, frank]) {
      client.send('SUBSCRIBE\nid:u\ndestination:/user/queue/events\nreceipt:in\n\n\0');
      await client.waitFor('receipt-id:in');
    }
    expect(app.broker.sessionsOfUser('erin')).toHaveLength(2);
    frank.send('SEND\ndestination:/app/to-user/erin\nreceipt:sent\n\nfor erin\0');
    await frank.waitFor('receipt-id:sent');
    for (const client of [erin, erinPhone]) {
      expect(afterConnected(await client.waitFor('for erin'))).toMatch(
        new RegExp(
          `MESSAGE\\nsubscription:u\\nmessage-id:${MESSAGE_ID}\\ndestination:/user/queue/events\\ncontent-type:text/plain\\ncontent-length:8\\n\\nfor erin\\0$`,
        ),
      );
    }
    expect(app.broker.publish('/user/queue/events', { body: 'broadcast?' })).toBe(0);
    expect(frank.text).not.toContain('for erin');
    for (const client of [erin, erinPhone, frank]) client.close();
  });

  it('tells listeners when a destination gets its first local subscriber and loses its last', async () => {
    const destination = '/topic/activity';
    const events: string[] = [];
    app.broker.onDestinationActive((d) => d === destination && events.push('active'));
    app.broker.onDestinationIdle((d) => d === destination && events.push('idle'));
    const a = await connectedClient(app);
    const b = await connectedClient(app);
    a.send(`SUBSCRIBE\nid:1\ndestination:${destination}\nreceipt:in\n\n\0`);
    b.send(`SUBSCRIBE\nid:1\ndestination:${destination}\nreceipt:in\n\n\0`);
    await a.waitFor('receipt-id:in');
    await b.waitFor('receipt-id:in');
    expect(events).toEqual(['active']);
    a.send('UNSUBSCRIBE\nid:1\nreceipt:out\n\n\0');
    await a.waitFor('receipt-id:out');
    expect(events).toEqual(['active']);
    b.close();
    await expectEventually(() => expect(events).toEqual(['active', 'idle']));
    expect(app.broker.hasSubscribers(destination)).toBe(false);
    a.close();
  });

  it('replays before live messages, holding those published during the authorizer, without gap or duplicate', async () => {
    const destination = '/topic/replay';
    const live = await connectedClient(app);
    live.send(`SUBSCRIBE\nid:1\ndestination:${destination}\nreceipt:in\n\n\0`);
    await live.waitFor('receipt-id:in');
    app.probe.onSubscribe = async (ctx) => {
      if (ctx.destination !== destination) return;
      expect(ctx.headers['last-message-id']).toBe('0');
      // Published while the history is being read: 3 is also in the replay, 4 is not.
      app.broker.publish(destination, { body: 'm3', sequence: '3' });
      app.broker.publish(destination, { body: 'm4', sequence: '4' });
      await Promise.resolve();
      return { replay: ['1', '2', '3'].map((n) => ({ body: `m${n}`, sequence: n })) };
    };
    const late = await connectedClient(app);
    late.send(`SUBSCRIBE\nid:1\ndestination:${destination}\nlast-message-id:0\nreceipt:in\n\n\0`);
    await late.waitFor('receipt-id:in');
    app.broker.publish(destination, { body: 'm5', sequence: '5' });
    await late.waitFor('m5');
    await live.waitFor('m5');
    expect(bodies(late)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(bodies(live)).toEqual(['m3', 'm4', 'm5']);
    app.probe.onSubscribe = () => undefined;
    live.close();
    late.close();
  });

  it('drops a live copy of a replayed message that arrives only after the replay', async () => {
    const destination = '/topic/replay-late';
    app.probe.onSubscribe = (ctx) => {
      if (ctx.destination !== destination) return;
      // 2 was committed before the history was read, but its live copy is still on the way.
      return { replay: ['1', '2'].map((n) => ({ body: `m${n}`, sequence: n })) };
    };
    const late = await connectedClient(app);
    late.send(`SUBSCRIBE\nid:1\ndestination:${destination}\nlast-message-id:0\nreceipt:in\n\n\0`);
    await late.waitFor('receipt-id:in');
    app.broker.publish(destination, { body: 'm2', sequence: '2' });
    app.broker.publish(destination, { body: 'm3', sequence: '3' });
    app.broker.publish(destination, { body: 'typing' }); // no sequence: always goes out
    app.broker.publish(destination, { body: 'm4', sequence: '4' });
    await late.waitFor('m4');
    expect(bodies(late)).toEqual(['m1', 'm2', 'm3', 'typing', 'm4']);
    app.probe.onSubscribe = () => undefined;
    late.close();
  });

  it('closes a session from the server side with ERROR', async () => {
    const client = await connectedClient(app, { login: 'kicked' });
    app.broker.sessionsOfUser('kicked')[0].close('account suspended');
    await client.closed;
    expect(afterConnected(client.text)).toBe('ERROR\nmessage:account suspended\ncode:closed\n\n\0');
  });
});

describe('slow consumers', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ limits: { maxBufferedBytes: 256 * 1024 } });
  });
  afterAll(() => app.close());

  it('drops a subscriber whose socket buffer passes maxBufferedBytes; the others get everything', async () => {
    const destination = '/topic/firehose';
    const slow = await connectedClient(app, { login: 'slow' });
    const healthy = await connectedClient(app, { login: 'healthy' });
    for (const client of [slow, healthy]) {
      client.send(`SUBSCRIBE\nid:1\ndestination:${destination}\nreceipt:in\n\n\0`);
      await client.waitFor('receipt-id:in');
    }
    slow.ws.pause(); // stops reading: the server's socket buffer for it fills up
    const body = 'x'.repeat(32 * 1024);
    let published = 0;
    let reached = 2;
    while (reached === 2 && published < 4000) {
      for (let i = 0; i < 4 && reached === 2; i += 1) {
        reached = app.broker.publish(destination, { body });
        published += 1;
      }
      // The healthy subscriber keeps up: its buffer never grows.
      await expectEventually(() => expect(healthy.count('MESSAGE\n')).toBe(published));
    }
    expect(reached).toBe(1);
    expect(app.broker.publish(destination, { body })).toBe(1);
    published += 1;
    slow.ws.resume();
    await slow.closed;
    await expectEventually(() => expect(healthy.count('MESSAGE\n')).toBe(published));
    expect(healthy.isClosed).toBe(false);
    healthy.close();
  });
});

describe('shutdown', () => {
  it('sends every session ERROR "server shutting down" and closes it', async () => {
    const app = await startTestApp();
    const client = await connectedClient(app);
    await app.close();
    const closed = await client.closed;
    expect(afterConnected(client.text)).toBe(
      'ERROR\nmessage:server shutting down\ncode:server-shutting-down\n\n\0',
    );
    expect(closed.code).toBe(1001);
  });
});
