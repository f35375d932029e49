import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, metricSample as sample } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';

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
  it('counts STOMP frames by command, subscriptions and the fan-out by exactly what the test did', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const before = await scrape();
    const client = await chat.connect(owner); // CONNECT in, CONNECTED out
    const inbox = await client.subscribe(`/chat/topic/room/${room.id}`); // SUBSCRIBE in, RECEIPT out
    await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'm-1', content: 'one' }); // SEND in, RECEIPT out
    await client.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'm-2', content: 'two' });
    await expectEventually(() => expect(inbox.messages.length).toBeGreaterThanOrEqual(2));
    const delivered = inbox.messages.length; // the two lines, plus any replay or presence MESSAGE
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);

    expect(moved('stomp_frames_received_total', { command: 'CONNECT' })).toBe(1);
    expect(moved('stomp_frames_received_total', { command: 'SUBSCRIBE' })).toBe(1);
    expect(moved('stomp_frames_received_total', { command: 'SEND' })).toBe(2);
    expect(moved('stomp_frames_sent_total', { command: 'CONNECTED' })).toBe(1);
    expect(moved('stomp_frames_sent_total', { command: 'RECEIPT' })).toBe(3);
    expect(moved('stomp_frames_sent_total', { command: 'MESSAGE' })).toBe(delivered);
    expect(moved('stomp_frames_sent_total', { command: 'ERROR' })).toBe(0);
    expect(moved('stomp_subscriptions', {})).toBe(1);
    // Two stored lines published once each on the room's channel, and received back once each.
    expect(moved('room_fanout_publish_duration_seconds_count', { kind: 'room', outcome: 'ok' })).toBe(2);
    expect(moved('room_fanout_received_total', { kind: 'room' })).toBe(2);
    // Labels stay bounded: no room id anywhere in the exposition.
    expect(after).not.toContain(room.id);

    await client.disconnect();
    await expectEventually(async () => expect(sample(await scrape(), 'stomp_subscriptions', {})).toBe(0));
  });

  it('counts chat lines by outcome with their answer times, the outbox backlog and the leases held', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const client = await chat.connect(owner);
    const before = await scrape();
    const line = (clientMessageId: string, content = 'hello') => ({
      roomId: room.id,
      clientMessageId,
      content,
    });
    await client.send('/chat/pub/send', line('m-1'));
    await client.send('/chat/pub/send', line('m-2'));
    await client.send('/chat/pub/send', line('m-1')); // a resend
    await client.send('/chat/pub/send', line('m-3', 'x'.repeat(3000))).catch(() => undefined); // refused
    // Malformed lines are refused before the line is looked at (each ERROR ends its session).
    const malformed = await chat.connect(owner);
    await malformed.send('/chat/pub/send', line('bad id!')).catch(() => undefined);
    const unparsable = await chat.connect(owner);
    unparsable.client.publish({ destination: '/chat/pub/send', body: '{not json' });
    await unparsable.closed;
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(moved('chat_lines_total', { outcome: 'stored' })).toBe(2);
    expect(moved('chat_lines_total', { outcome: 'duplicate' })).toBe(1);
    expect(moved('chat_lines_total', { outcome: 'content-too-long' })).toBe(1);
    expect(moved('chat_lines_total', { outcome: 'invalid-payload' })).toBe(1);
    expect(moved('chat_lines_total', { outcome: 'invalid-json' })).toBe(1);
    expect(moved('chat_send_duration_seconds_count', { outcome: 'invalid-payload' })).toBe(1);
    expect(moved('chat_send_duration_seconds_count', { outcome: 'stored' })).toBe(2);
    // No SEARCH_URL: every room's index request stays in the outbox.
    expect(sample(after, 'search_outbox_pending', {})).toBeGreaterThanOrEqual(1);
    await expectEventually(async () =>
      expect(sample(await scrape(), 'lease_held', { name: 'search-outbox' })).toBe(1),
    );
  });
});
