import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';

/** One sample's value from a Prometheus text exposition (0 when the series does not exist yet). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    if (wanted.every((pair) => labelText.split(',').includes(pair))) return Number(line.split(' ').at(-1));
  }
  return 0;
}

describe('/metrics on the chat server', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start();
  });
  afterAll(() => chat.close());

  const scrape = async () => (await fetch(`${chat.url}/metrics`)).text();

  it('serves Prometheus text with process metrics, every series labelled with the service', async () => {
    const response = await fetch(`${chat.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="chat-server"\} /m);
  });

  it('moves by exactly what the test did: sessions, HTTP requests by route, events published', async () => {
    const before = await scrape();
    const owner = await chat.user();
    await chat.createRoom(owner);
    const clients = [await chat.connect(owner), await chat.connect(await chat.user())];

    const after = await scrape();
    expect(sample(after, 'stomp_sessions', {}) - sample(before, 'stomp_sessions', {})).toBe(2);
    const created = { route: '/v1/api/rooms/create', method: 'POST', status: '201' };
    expect(
      sample(after, 'http_request_duration_seconds_count', created) -
        sample(before, 'http_request_duration_seconds_count', created),
    ).toBe(1);
    const published = { topic: 'chat.rooms', outcome: 'ok' };
    expect(
      sample(after, 'event_bus_published_total', published) -
        sample(before, 'event_bus_published_total', published),
    ).toBeGreaterThanOrEqual(1);

    for (const client of clients) await client.disconnect();
    await expectEventually(async () =>
      expect(sample(await scrape(), 'stomp_sessions', {})).toBe(sample(before, 'stomp_sessions', {})),
    );
  });
});
