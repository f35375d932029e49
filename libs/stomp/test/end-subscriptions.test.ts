import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './support/raw-client';
import { startTestApp, type TestApp } from './support/test-app';

describe('StompBroker.endSubscriptions (the right to a destination was withdrawn)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('stops deliveries to that user on every session, keeps the sessions open, and answers their later UNSUBSCRIBE normally', async () => {
    const sessions = [await RawClient.open(app.url), await RawClient.open(app.url)];
    const bystander = await RawClient.open(app.url);
    for (const [client, login] of [
      ...sessions.map((c) => [c, 'leaver'] as const),
      [bystander, 'stays'] as const,
    ]) {
      await client.connect({ login });
      client.send('SUBSCRIBE\nid:room\ndestination:/topic/room-1\nreceipt:s\n\n\0');
      await client.waitFor('receipt-id:s');
    }

    expect(app.broker.endSubscriptions('leaver', '/topic/room-1')).toBe(2);
    app.broker.publish('/topic/room-1', { body: 'after' });
    await bystander.waitFor('after');
    for (const client of sessions) {
      expect(client.text).not.toContain('after');
      client.send('UNSUBSCRIBE\nid:room\nreceipt:u\n\n\0');
      await client.waitFor('receipt-id:u');
      client.send('SUBSCRIBE\nid:room\ndestination:/topic/room-2\nreceipt:again\n\n\0');
      await client.waitFor('receipt-id:again');
      expect(client.isClosed).toBe(false);
    }
    expect(app.probe.unsubscribed.filter((u) => u.user === 'leaver')).toEqual([]);
  });
});
