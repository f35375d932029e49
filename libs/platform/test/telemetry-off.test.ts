import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import {
  startTelemetry,
  stopTelemetry,
  tracerRegistered,
  withSpan,
  withSyncSpan,
} from '@playlist-chat/platform/telemetry';

// Its own file (own process): nothing may have started an SDK before the first tests.
afterAll(() => stopTelemetry());

describe('bad telemetry settings', () => {
  const bad = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_BSP_SCHEDULE_DELAY: 'abc' };

  it('throw their ConfigError, or, for an entry point that checks them later itself, leave tracing off', () => {
    expect(() => startTelemetry({ service: 'bad', env: bad })).toThrow(
      'OTEL_BSP_SCHEDULE_DELAY must be an integer from 10 to 60000 (got "abc")',
    );
    expect(startTelemetry({ service: 'bad', env: bad, settingsCheckedLater: true })).toBe(false);
    expect(tracerRegistered()).toBe(false);
  });
});

describe('span helpers with tracing off, then on', () => {
  it('off: the work runs with a span that records nothing, and its result or error comes back', async () => {
    expect(tracerRegistered()).toBe(false);
    await expect(
      withSpan('off', {}, async (span) => {
        expect(span.isRecording()).toBe(false);
        return 42;
      }),
    ).resolves.toBe(42);
    await expect(withSpan('off', {}, () => Promise.reject(new Error('async failure')))).rejects.toThrow(
      'async failure',
    );
    // A work that throws before it returns a promise still gives a rejection, not a throw.
    const thrown = withSpan('off', {}, () => {
      throw new Error('sync failure');
    });
    await expect(thrown).rejects.toThrow('sync failure');
    expect(withSyncSpan('off', {}, () => 'sync result')).toBe('sync result');
  });

  it('on: once an SDK is started the same helpers record their spans', async () => {
    const exporter = new InMemorySpanExporter();
    startTelemetry({
      service: 'telemetry-off-test',
      env: {},
      spanProcessor: new SimpleSpanProcessor({ exporter }),
    });
    expect(tracerRegistered()).toBe(true);
    await withSpan('traced async', {}, async (span) => expect(span.isRecording()).toBe(true));
    withSyncSpan('traced sync', {}, () => undefined);
    // The processor hands ended spans to the exporter asynchronously.
    await expectEventually(() =>
      expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['traced async', 'traced sync']),
    );
  });
});
