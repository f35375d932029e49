import {
  context,
  createContextKey,
  INVALID_SPAN_CONTEXT,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

/**
 * Span and propagation helpers. They go through @opentelemetry/api only. With tracing off (no
 * SDK started) they skip the span and its context and just run the work: the API's no-op span
 * still cost a span, two context maps and a closure per call, on every event and STOMP frame.
 */
const tracer = trace.getTracer('@playlist-chat/platform');

/** The provider's delegate while no SDK has registered one (a fresh proxy has none). */
const NO_PROVIDER = new ProxyTracerProvider().getDelegate();

/** What `work` gets while tracing is off: records nothing, like the API's own no-op spans. */
const UNTRACED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** True once an SDK registered a tracer provider (startTelemetry, or one preloaded by the operator). */
export function tracerRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NO_PROVIDER;
}

/** The W3C trace context (`traceparent`, `tracestate`) of `ctx` as plain fields, for a message's headers. */
export function injectTraceContext(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The context a message's `traceparent` (and `tracestate`) names; the root context when absent. */
export function extractTraceContext(carrier: Readonly<Record<string, string | undefined>>): Context {
  if (!carrier.traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** True when a started SDK records spans (so callers can skip building carriers when it is off). */
export function tracingActive(): boolean {
  return trace.getSpan(context.active())?.isRecording() ?? false;
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Parent context (default: the active one). */
  readonly parent?: Context;
}

/**
 * Runs `work` inside a new span named `name`: the span is the active one while it runs (spans,
 * log lines and propagated contexts made inside are its children), ends when `work` settles, and
 * records the error when it throws.
 */
export function withSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  if (!tracerRegistered()) return untraced(work);
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind, attributes: options.attributes }, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** `work` without a span; a synchronous throw still comes back as a rejection, as with a span. */
async function untraced<T>(work: (span: Span) => Promise<T>): Promise<T> {
  return work(UNTRACED);
}

/**
 * The context key under which libs/stomp puts the STOMP session id while it runs a frame
 * (`createContextKey` is `Symbol.for`, so both libraries name the same key without importing
 * each other).
 */
export const SESSION_ID_KEY = createContextKey('playlist-chat.session_id');

/**
 * `trace_id`, `span_id` and (inside a STOMP frame) `session_id` of the active context, for a
 * log line; empty when nothing is traced (the context only travels with a started SDK).
 */
export function traceFields(): { trace_id?: string; span_id?: string; session_id?: string } {
  const active = context.active();
  const span = trace.getSpan(active);
  const sessionId = active.getValue(SESSION_ID_KEY) as string | undefined;
  const fields: { trace_id?: string; span_id?: string; session_id?: string } = {};
  if (sessionId !== undefined) fields.session_id = sessionId;
  if (span) {
    const spanContext = span.spanContext();
    if (trace.isSpanContextValid(spanContext)) {
      fields.trace_id = spanContext.traceId;
      fields.span_id = spanContext.spanId;
    }
  }
  return fields;
}

export { SpanKind };

/**
 * The event bus's producer span: `${topic} publish`, active while `work` runs; `work` gets the
 * trace context to carry with the event (Redis Streams fields, the memory log, Kafka's
 * `event-traceparent` record header: the kafkajs instrumentation's own `traceparent` names the
 * batch's send span, not this one).
 */
export function publishSpan<T>(
  system: string,
  topic: string,
  work: (carrier: Record<string, string>) => Promise<T>,
): Promise<T> {
  return withSpan(
    `${topic} publish`,
    {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': system, 'messaging.destination.name': topic },
    },
    () => work(injectTraceContext()),
  );
}

/**
 * The event bus's consumer span: `${topic} process` for one delivery to `group`, child of the
 * context the event carried (so the trace goes on from the publisher), covering every retry.
 */
export function consumeSpan<T>(
  system: string,
  topic: string,
  group: string,
  carrier: Readonly<Record<string, string | undefined>>,
  work: () => Promise<T>,
): Promise<T> {
  return withSpan(
    `${topic} process`,
    {
      kind: SpanKind.CONSUMER,
      parent: extractTraceContext(carrier),
      attributes: {
        'messaging.system': system,
        'messaging.destination.name': topic,
        'messaging.consumer.group.name': group,
      },
    },
    work,
  );
}

/** `withSpan` for synchronous work (e.g. handing a received fan-out payload to the local sessions). */
export function withSyncSpan<T>(name: string, options: SpanOptions, work: () => T): T {
  if (!tracerRegistered()) return work();
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind, attributes: options.attributes }, parent);
  try {
    return context.with(trace.setSpan(parent, span), work);
  } finally {
    span.end();
  }
}
