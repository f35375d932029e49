import { randomUUID } from 'node:crypto';
import { Client } from '@stomp/stompjs';
import { expectEventually } from '@playlist-chat/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { afterConnected, RawClient } from './support/raw-client';
import { startTestApp, type TestApp } from './support/test-app';

/** A connected raw client logged in as a user of the test's own, so its records are told apart. */
async function connectedAs(app: TestApp, version = '1.2'): Promise<{ client: RawClient; user: string }> {
  const user = `u-${randomUUID()}`;
  const client = await RawClient.open(app.url);
  await client.connect({ login: user }, version);
  return { client, user };
}

const callsOf = (app: TestApp, user: string) => app.probe.unsubscribed.filter((call) => call.user === user);

describe('@OnUnsubscribe (raw frames)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('runs once per UNSUBSCRIBE of a matching subscription, with its destination, params, id and the frame’s headers', async () => {
    const { client, user } = await connectedAs(app);
    client.send('SUBSCRIBE\nid:a\ndestination:/topic/hook-one\nreceipt:in\n\n\0');
    await client.waitFor('receipt-id:in');
    expect(callsOf(app, user)).toEqual([]); // subscribing is not unsubscribing

    client.send('UNSUBSCRIBE\nid:a\nreceipt:out\nx-reason:lobby\n\n\0');
    await client.waitFor('receipt-id:out');
    expect(callsOf(app, user)).toEqual([
      {
        user,
        destination: '/topic/hook-one',
        params: { name: 'hook-one' },
        subscriptionId: 'a',
        headers: { id: 'a', receipt: 'out', 'x-reason': 'lobby' },
      },
    ]);
    expect(afterConnected(client.text)).toBe('RECEIPT\nreceipt-id:in\n\n\0RECEIPT\nreceipt-id:out\n\n\0');
    client.close();
  });

  it('sees the subscription already gone, and answers the RECEIPT only after the hook has finished', async () => {
    const destination = `/topic/hook-${randomUUID()}`;
    const { client, user } = await connectedAs(app);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seenInHook: { subscribed: boolean; delivered: number }[] = [];
    app.probe.onUnsubscribe = async (ctx) => {
      if (ctx.session.principal.user !== user) return;
      seenInHook.push({
        subscribed: app.broker.hasSubscribers(destination),
        delivered: app.broker.publish(destination, { body: 'too late' }),
      });
      await gate;
    };
    try {
      client.send(`SUBSCRIBE\nid:s\ndestination:${destination}\nreceipt:in\n\n\0`);
      await client.waitFor('receipt-id:in');
      client.send('UNSUBSCRIBE\nid:s\nreceipt:out\n\n\0');
      await expectEventually(() => expect(seenInHook).toEqual([{ subscribed: false, delivered: 0 }]));
      expect(client.text).not.toContain('receipt-id:out');
      release();
      await client.waitFor('receipt-id:out');
      expect(client.text).not.toContain('too late');
    } finally {
      app.probe.onUnsubscribe = () => undefined;
      client.close();
    }
  });

  it('is not run for subscriptions that end with their session: @OnDisconnect covers those', async () => {
    const { client, user } = await connectedAs(app);
    client.send(
      'SUBSCRIBE\nid:1\ndestination:/topic/kept-1\n\n\0' +
        'SUBSCRIBE\nid:2\ndestination:/topic/kept-2\n\n\0' +
        'SUBSCRIBE\nid:3\ndestination:/topic/dropped\n\n\0' +
        'UNSUBSCRIBE\nid:3\nreceipt:out\n\n\0',
    );
    await client.waitFor('receipt-id:out');
    client.send('DISCONNECT\nreceipt:bye\n\n\0');
    await client.closed;
    await expectEventually(() => expect(app.probe.disconnected).toContain(user));
    expect(callsOf(app, user).map((call) => call.subscriptionId)).toEqual(['3']);
  });

  it('is not run for a destination no @OnUnsubscribe pattern matches', async () => {
    const { client, user } = await connectedAs(app);
    client.send(
      'SUBSCRIBE\nid:mine\ndestination:/user/queue/events\n\n\0UNSUBSCRIBE\nid:mine\nreceipt:out\n\n\0',
    );
    await client.waitFor('receipt-id:out');
    expect(app.broker.sendToUser(user, '/user/queue/events', { body: 'gone' })).toBe(0);
    expect(callsOf(app, user)).toEqual([]);
    client.close();
  });

  it('is not run for a SUBSCRIBE that its @OnSubscribe refused (the id was never live)', async () => {
    const { client, user } = await connectedAs(app);
    client.send('SUBSCRIBE\nid:f\ndestination:/topic/forbidden\nreceipt:in\n\n\0');
    await client.closed;
    expect(afterConnected(client.text)).toMatch(
      /^ERROR\nmessage:[^\n]* may not subscribe\ncode:forbidden\nreceipt-id:in\n/,
    );
    await expectEventually(() => expect(app.probe.disconnected).toContain(user));
    expect(callsOf(app, user)).toEqual([]);
  });

  it('turns a hook that throws into ERROR with the UNSUBSCRIBE’s receipt-id, closes, and runs @OnDisconnect once', async () => {
    const { client, user } = await connectedAs(app);
    app.probe.onUnsubscribe = (ctx) => {
      if (ctx.session.principal.user === user) throw new Error('bookkeeping failed');
    };
    try {
      client.send('SUBSCRIBE\nid:y\ndestination:/topic/hook-fails\n\n\0UNSUBSCRIBE\nid:y\nreceipt:out\n\n\0');
      await client.closed;
    } finally {
      app.probe.onUnsubscribe = () => undefined;
    }
    expect(afterConnected(client.text)).toBe(
      'ERROR\nmessage:internal server error\ncode:internal-error\nreceipt-id:out\n\n\0',
    );
    await expectEventually(() =>
      expect(app.probe.disconnected.filter((gone) => gone === user)).toHaveLength(1),
    );
    expect(callsOf(app, user).map((call) => call.subscriptionId)).toEqual(['y']);
  });

  it('STOMP 1.0: an UNSUBSCRIBE by destination reports the subscription that used it as its id', async () => {
    const { client, user } = await connectedAs(app, '1.0');
    client.send(
      'SUBSCRIBE\ndestination:/topic/old-style\n\n\0UNSUBSCRIBE\ndestination:/topic/old-style\nreceipt:out\n\n\0',
    );
    await client.waitFor('receipt-id:out');
    expect(callsOf(app, user)).toEqual([
      expect.objectContaining({
        destination: '/topic/old-style',
        params: { name: 'old-style' },
        subscriptionId: '/topic/old-style',
      }),
    ]);
    client.close();
  });
});

describe('@OnUnsubscribe with the @stomp/stompjs client', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('runs when the client unsubscribes one of two subscriptions to a room, then again for the other', async () => {
    const user = `u-${randomUUID()}`;
    const client = new Client({
      webSocketFactory: () => new WebSocket(app.url, ['v12.stomp']),
      connectHeaders: { login: user },
      reconnectDelay: 0,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
    });
    const ready = new Promise<void>((resolve) => (client.onConnect = () => resolve()));
    client.activate();
    await ready;
    const receipt = (id: string) =>
      new Promise<void>((resolve) => client.watchForReceipt(id, () => resolve()));

    const subscribed = receipt('in-2');
    const first = client.subscribe('/topic/shared-room', () => undefined, { receipt: 'in-1' });
    const second = client.subscribe('/topic/shared-room', () => undefined, { receipt: 'in-2' });
    await subscribed;

    const firstGone = receipt('out-1');
    first.unsubscribe({ receipt: 'out-1' });
    await firstGone;
    expect(callsOf(app, user).map((call) => call.subscriptionId)).toEqual([first.id]);
    expect(app.broker.hasSubscribers('/topic/shared-room')).toBe(true); // the other one is still there

    const secondGone = receipt('out-2');
    second.unsubscribe({ receipt: 'out-2' });
    await secondGone;
    expect(callsOf(app, user).map((call) => call.subscriptionId)).toEqual([first.id, second.id]);
    expect(app.broker.hasSubscribers('/topic/shared-room')).toBe(false);
    await client.deactivate();
    await expectEventually(() => expect(app.probe.disconnected).toContain(user));
    expect(callsOf(app, user)).toHaveLength(2);
  });
});
