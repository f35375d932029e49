import { Client, type IMessage } from '@stomp/stompjs';
import { expectEventually } from '@playlist-chat/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from './support/test-app';

/** A real @stomp/stompjs client over `ws`, as the web client uses it. */
function stompClient(
  app: TestApp,
  login: string,
  extra: Partial<ConstructorParameters<typeof Client>[0]> = {},
): Client {
  return new Client({
    webSocketFactory: () => new WebSocket(app.url, ['v12.stomp', 'v11.stomp', 'v10.stomp']),
    connectHeaders: { login },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    ...extra,
  });
}

async function connected(client: Client): Promise<void> {
  const ready = new Promise<void>((resolve) => (client.onConnect = () => resolve()));
  client.activate();
  await ready;
}

describe('STOMP 1.2 with the @stomp/stompjs client', () => {
  let app: TestApp;
  beforeAll(async () => {
    Object.assign(global, { WebSocket });
    app = await startTestApp({ heartbeat: { outgoingMs: 100, incomingMs: 100 } });
  });
  afterAll(() => app.close());

  it('connects, subscribes, sends with a receipt and receives the published message', async () => {
    const client = stompClient(app, 'alice');
    await connected(client);
    expect(client.connectedVersion).toBe('1.2');
    const received: IMessage[] = [];
    client.subscribe('/topic/conformance-1', (message) => received.push(message), { receipt: 'sub-receipt' });
    const receipted = new Promise<void>((resolve) => client.watchForReceipt('send-1', () => resolve()));
    client.publish({
      destination: '/app/publish/conformance-1',
      body: '{"text":"hello"}',
      headers: { receipt: 'send-1', 'content-type': 'application/json' },
    });
    await receipted;
    await expectEventually(() => expect(received).toHaveLength(1));
    expect(received[0].body).toBe('{"text":"hello"}');
    expect(received[0].headers.destination).toBe('/topic/conformance-1');
    expect(received[0].headers['content-type']).toBe('application/json');
    await client.deactivate();
  });

  it('receives the RECEIPT only after the handler has done its work', async () => {
    const client = stompClient(app, 'bob');
    await connected(client);
    const receipted = new Promise<void>((resolve) => client.watchForReceipt('rec-2', () => resolve()));
    client.publish({ destination: '/app/record/k2', body: 'persist me', headers: { receipt: 'rec-2' } });
    await receipted;
    expect(app.probe.sent.some((s) => s.params.key === 'k2' && s.body === 'persist me')).toBe(true);
    await client.deactivate();
  });

  it('exchanges heart-beats both ways and the session stays up', async () => {
    const log: string[] = [];
    const client = stompClient(app, 'carol', {
      heartbeatIncoming: 100,
      heartbeatOutgoing: 100,
      debug: (line) => log.push(line),
    });
    let disconnects = 0;
    client.onWebSocketClose = () => (disconnects += 1);
    await connected(client);
    await expectEventually(() => {
      expect(log.filter((line) => line.includes('<<< PONG')).length).toBeGreaterThanOrEqual(5);
      expect(log.filter((line) => line.includes('>>> PING')).length).toBeGreaterThanOrEqual(5);
    });
    expect(disconnects).toBe(0);
    expect(client.connected).toBe(true);
    await client.deactivate();
  });

  it('reconnects after the server closes the session and resubscribes', async () => {
    const client = stompClient(app, 'dave', { reconnectDelay: 50 });
    const received: string[] = [];
    let connects = 0;
    client.onConnect = () => {
      connects += 1;
      client.subscribe('/topic/conformance-4', (message) => received.push(message.body));
    };
    client.activate();
    await expectEventually(() => expect(app.broker.sessionsOfUser('dave')).toHaveLength(1));
    app.broker.sessionsOfUser('dave')[0].close('maintenance');
    await expectEventually(() => expect(connects).toBe(2));
    await expectEventually(() => expect(app.broker.hasSubscribers('/topic/conformance-4')).toBe(true));
    app.broker.publish('/topic/conformance-4', { body: 'after reconnect' });
    await expectEventually(() => expect(received).toEqual(['after reconnect']));
    await client.deactivate();
  });
});
