/**
 * Tracing bootstrap. Import this file, and nothing heavier, first in an entry point: the
 * instrumentations patch http, undici, express, Nest, ioredis, kafkajs and mongoose as they are
 * required, so anything required before `startTelemetry` runs is not traced.
 *
 * ```ts
 * // chat-server/src/telemetry.ts, the first import of main.ts
 * import { startTelemetry } from '@playlist-chat/platform/telemetry';
 * startTelemetry({ service: 'chat-server' });
 * ```
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { MongooseInstrumentation } from '@opentelemetry/instrumentation-mongoose';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ConfigError, loadSettings, type Env } from '../config/settings';
import { setTelemetryStop, stopTelemetry } from './telemetry-stop';
import { telemetrySettings, type TelemetrySettings } from './telemetry.settings';

export interface TelemetryOptions {
  /** The app's name, used as service.name unless OTEL_SERVICE_NAME is set. */
  readonly service: string;
  readonly env?: Env;
  /**
   * Test hook: spans go to this processor (e.g. a SimpleSpanProcessor over an
   * InMemorySpanExporter) and tracing starts even without OTEL_EXPORTER_OTLP_ENDPOINT.
   */
  readonly spanProcessor?: SpanProcessor;
  /**
   * For an entry point that checks telemetrySettings itself with its other settings, once it
   * runs (npm start): a bad telemetry setting then leaves tracing off instead of throwing its
   * ConfigError here, at import time, outside the entry point's start-up error handling, and
   * that check names it in the same list as the other bad variables.
   */
  readonly settingsCheckedLater?: boolean;
}

let sdk: NodeSDK | undefined;

/** Health probes and scrapes are polled every few seconds: tracing them would bury the real traffic. */
const UNTRACED_PATHS = /^\/(health\/|metrics\b)/;

/**
 * Starts the OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT is set (or a test hands a span
 * processor); otherwise does nothing, so the API's no-op tracer stays in place and every span
 * helper costs a function call. Returns whether tracing runs. A second call is a no-op. A bad
 * telemetry setting throws a ConfigError (see `settingsCheckedLater`).
 */
export function startTelemetry(options: TelemetryOptions): boolean {
  if (sdk) return true;
  let settings: TelemetrySettings;
  try {
    settings = loadSettings(telemetrySettings, options.env ?? process.env);
  } catch (error) {
    if (options.settingsCheckedLater && error instanceof ConfigError) return false;
    throw error;
  }
  if (!options.spanProcessor && !settings.otlpEndpoint) return false;
  const ignoreIncomingRequestHook = (request: { url?: string }) => UNTRACED_PATHS.test(request.url ?? '');
  sdk = new NodeSDK({
    serviceName: settings.serviceName || options.service,
    spanProcessors: [
      options.spanProcessor ??
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: `${settings.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
          scheduledDelayMillis: settings.exportDelayMs,
        }),
    ],
    // Metrics stay with prom-client (/metrics); logs stay with pino (trace ids via the mixin).
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook }),
      // The gateway forwards REST requests with undici: its spans, and the traceparent they carry on.
      new UndiciInstrumentation(),
      new ExpressInstrumentation(),
      new NestInstrumentation(),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new KafkaJsInstrumentation(),
      new MongooseInstrumentation(),
    ],
  });
  sdk.start();
  const running = sdk;
  setTelemetryStop(async () => {
    sdk = undefined;
    await running.shutdown();
  });
  return true;
}

export { stopTelemetry };
