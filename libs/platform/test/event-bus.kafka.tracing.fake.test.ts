import { trace, type Span } from '@opentelemetry/api';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { makeEvent, type RoomEvent } from '@playlist-chat/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { KafkaEventBus } from '../src/event-bus/event-bus.kafka';
import { FakeKafka, useFakeKafka } from './support/fake-kafkajs';

/**
 * The trace of a Kafka event goes on from its publisher, with the kafkajs instrumentation
 * running as start-telemetry.ts runs it. The instrumentation patches kafkajs's
 * `Kafka.prototype.producer`/`consumer` when kafkajs is required; here its own module
 * definition patches the fake client's prototype the same way, so its `sendBatch` and
 * `eachMessage` wrappers (and the `traceparent` it injects) are the real ones.
 */
class InstrumentedKafka extends FakeKafka {}

describe('KafkaEventBus tracing with the kafkajs instrumentation', () => {
  const exporter = new InMemorySpanExporter();
  const instrumentation = new KafkaJsInstrumentation();
  let sdk: NodeSDK;
  let bus: KafkaEventBus;

  beforeAll(() => {
    sdk = new NodeSDK({
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
      instrumentations: [instrumentation],
      metricReaders: [],
      logRecordProcessors: [],
    });
    sdk.start();
    const kafkajs = instrumentation
      .getModuleDefinitions()
      .find((definition) => definition.name === 'kafkajs');
    kafkajs?.patch?.({ Kafka: InstrumentedKafka }, '2.2.4');
  });
  afterAll(async () => {
    await bus?.close();
    await sdk?.shutdown();
  });

  it('the consumer span of each event is the child of its own publish span, also when records share a batch run', async () => {
    bus = new KafkaEventBus({
      brokers: ['fake:9092'],
      clientId: 'fake-test',
      partitions: 1,
      replication: 1,
      retryPolicy: { maxAttempts: 1, baseDelayMs: 1 },
    });
    const cluster = useFakeKafka(bus, new InstrumentedKafka());
    const consumedIn = new Map<string, { traceId: string; spanId: string }>();
    await bus.subscribe('chat.rooms', 'projector', async (event) => {
      const span = trace.getActiveSpan();
      if (span) consumedIn.set(event.payload.roomId, span.spanContext());
    });
    const tracer = trace.getTracer('test');
    const inRequest = <T>(name: string, work: (span: Span) => Promise<T>) =>
      tracer.startActiveSpan(name, async (span) => {
        try {
          return await work(span);
        } finally {
          span.end();
        }
      });
    const event = (roomId: string) =>
      makeEvent<RoomEvent>('room.opened', {
        roomId,
        roomName: roomId,
        owner: { uid: 'o', nickName: 'O', profileImage: null },
      });

    // Two requests publish; the second one's record goes out in the next produce request of
    // the flush loop the first one started (so in the first one's async context).
    const release = cluster.holdSends();
    const requests = new Map<string, string>();
    const first = inRequest('request a', (span) => {
      requests.set('a', span.spanContext().traceId);
      return bus.publish('chat.rooms', 'a', event('a'));
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = inRequest('request b', (span) => {
      requests.set('b', span.spanContext().traceId);
      return bus.publish('chat.rooms', 'b', event('b'));
    });
    release();
    await Promise.all([first, second]);
    await expectEventually(() => expect([...consumedIn.keys()].sort()).toEqual(['a', 'b']));

    // A process span ends once its handler returned.
    const spans = await expectEventually(() => {
      const finished = exporter.getFinishedSpans();
      expect(finished.filter((span) => span.name === 'chat.rooms process')).toHaveLength(2);
      return finished;
    });
    // The instrumentation did patch the client: its own send spans are there.
    expect(spans.filter((span) => span.name === 'send chat.rooms').length).toBeGreaterThanOrEqual(2);
    for (const roomId of ['a', 'b']) {
      const consumed = consumedIn.get(roomId);
      expect(consumed?.traceId, `trace of ${roomId}`).toBe(requests.get(roomId));
      const process = spans.find((span) => span.spanContext().spanId === consumed?.spanId);
      const publish = spans.find(
        (span) => span.name === 'chat.rooms publish' && span.spanContext().traceId === requests.get(roomId),
      );
      expect(process?.name).toBe('chat.rooms process');
      expect(process?.parentSpanContext?.spanId, `parent of ${roomId}'s process span`).toBe(
        publish?.spanContext().spanId,
      );
    }
  });
});
