import { Inject, Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@playlist-chat/platform';
import { Counter, Histogram } from 'prom-client';
import { StompError } from '@playlist-chat/stomp';
import { ChatError } from '../errors/chat-error';
import { isOutOfSpace } from '../storage/store-space';

/** A refusal's code: ours (the chat catalogue) or the STOMP library's (a fixed set, e.g. `invalid-json`). */
const outcomeOf = (error: unknown): string => {
  if (error instanceof ChatError || error instanceof StompError) return error.code;
  // Mapped to the catalogue's storage-full further out (storageRefusal), after it is counted here.
  return isOutOfSpace(error) ? 'storage-full' : 'error';
};

/**
 * `chat_lines_total{outcome}` and `chat_send_duration_seconds{outcome}`: every chat line sent, by
 * what became of it — `stored`, `duplicate` (a resend of a stored line), a refusal's code (the
 * chat catalogue's or the STOMP library's: fixed sets), or `error` — and how long the server took until it could answer, which is
 * what the sender waits for its RECEIPT.
 */
@Injectable()
export class SendMetrics {
  private readonly lines: Counter<'outcome'>;
  private readonly seconds: Histogram<'outcome'>;

  constructor(@Inject(MetricsRegistry) registry: MetricsRegistry) {
    this.lines = new Counter({
      name: 'chat_lines_total',
      help: 'Chat lines sent, by outcome: stored, duplicate, a refusal code, or error',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.seconds = new Histogram({
      name: 'chat_send_duration_seconds',
      help: 'Time from a chat line arriving to its answer (the RECEIPT), by outcome',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  }

  /**
   * Runs the checks of a line that come before `send` (its payload parsed and validated) and
   * counts the line only if they refuse it: a line they pass is counted by `measure`.
   */
  async measureRefusal<T>(check: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await check();
    } catch (error) {
      const outcome = outcomeOf(error);
      this.lines.inc({ outcome });
      this.seconds.observe({ outcome }, (performance.now() - started) / 1000);
      throw error;
    }
  }

  /** Runs one send and counts it; `stored` tells a new line from a resend. */
  async measure<T>(send: () => Promise<{ result: T; stored: boolean }>): Promise<T> {
    const started = performance.now();
    let outcome = 'error';
    try {
      const { result, stored } = await send();
      outcome = stored ? 'stored' : 'duplicate';
      return result;
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      this.lines.inc({ outcome });
      this.seconds.observe({ outcome }, (performance.now() - started) / 1000);
    }
  }
}
