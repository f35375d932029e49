import { randomUUID } from 'node:crypto';
import { makeEvent, type RoomEvent } from '@playlist-chat/contracts';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
import { startTelemetry, stopTelemetry, withSpan } from '@playlist-chat/platform/telemetry';
import type { EventBus } from '../src/event-bus/event-bus.port';
import { InMemoryEventBus } from '../src/event-bus/event-bus.memory';
import { RedisEventBus } from '../src/event-bus/event-bus.redis';

const exporter = new InMemorySpanExporter();
let redis: TestRedis;

beforeAll(async () => {
  // The test hook: spans to memory, no collector needed.
  expect(
    startTelemetry({
      service: 'telemetry-test',
      env: {},
      spanProcessor: new SimpleSpanProcessor({ exporter }),
    }),
  ).toBe(true);
  redis = await startRedisServer();
});
afterAll(async () => {
  await stopTelemetry();
  await redis?.stop();
});

const event = (roomId: string): RoomEvent =>
  makeEvent<RoomEvent>('room.opened', {
    roomId,
    roomName: 'traced',
    owner: { uid: 'owner', nickName: 'Owner', profileImage: null },
  });

async function carriesTheTrace(name: string, bus: EventBus): Promise<void> {
  const roomId = `room-${randomUUID()}`;
  const handled: string[] = [];
  const subscription = await bus.subscribe('chat.rooms', `g-${randomUUID()}`, async (received) => {
    if (JSON.stringify(received).includes(roomId)) handled.push(roomId);
  });
  let traceId = '';
  await withSpan(`${name} test root`, {}, async (span) => {
    traceId = span.spanContext().traceId;
    await bus.publish('chat.rooms', roomId, event(roomId));
  });
  await expectEventually(() => expect(handled).toEqual([roomId]));
  await expectEventually(() => {
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    expect(spans.map((span) => span.name).sort()).toEqual(
      [`${name} test root`, 'chat.rooms process', 'chat.rooms publish'].sort(),
    );
    const publish = spans.find((span) => span.name === 'chat.rooms publish')!;
    const processed = spans.find((span) => span.name === 'chat.rooms process')!;
    expect(processed.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
  });
  await subscription.close();
}

describe('event bus trace context', () => {
  it('memory: the consumer span is a child of the publisher span, in the same trace', async () => {
    const bus = new InMemoryEventBus();
    await carriesTheTrace('memory', bus);
    await bus.close();
  });

  it('Redis Streams: the entry carries traceparent, and the consumer continues that trace', async () => {
    const prefix = `tel-${randomUUID()}`;
    const bus = new RedisEventBus({
      redisUrl: redis.url,
      retryPolicy: { maxAttempts: 2, baseDelayMs: 5 },
      keyPrefix: prefix,
      leaseMs: 600,
      blockMs: 100,
    });
    await carriesTheTrace('redis', bus);
    const client = new Redis(redis.url);
    const entries = (await client.xrange(`${prefix}:chat.rooms`, '-', '+')) as [string, string[]][];
    const fields = entries.at(-1)![1];
    expect(fields[fields.indexOf('traceparent') + 1]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    client.disconnect();
    await bus.close();
  });
});
