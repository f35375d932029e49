import type { LoggerService } from '@nestjs/common';

export interface PeriodicTaskOptions {
  /** Names the task where a failed pass is reported: `<name> failed: <error>`. */
  readonly name: string;
  readonly intervalMs: number;
  /** One pass of the work. */
  readonly run: () => Promise<unknown>;
  /** Where a failed pass is reported (the owning worker's logger, so the line carries its context). */
  readonly logger: Pick<LoggerService, 'error'>;
}

/**
 * Background work on an interval (housekeeping, outbox delivery, expiry sweeps). Guarantees:
 * - passes never overlap: a tick or `runNow()` while a pass runs joins that pass;
 * - a failed pass is logged and the next tick runs as usual; `runNow()` never rejects;
 * - the timer does not keep the process alive;
 * - `stop()` resolves only after the pass in progress has finished, and no pass starts after it.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: PeriodicTaskOptions) {}

  /** Starts ticking every `intervalMs`; calling it again while started changes nothing. */
  start(): void {
    this.stopped = false;
    this.timer ??= setInterval(() => void this.runNow(), this.options.intervalMs).unref();
  }

  /** Runs one pass now, or returns the pass already running. */
  runNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // Through a promise, so a pass that throws before its first await is reported like any other.
    this.running ??= new Promise<unknown>((resolve) => resolve(this.options.run()))
      .then(
        () => undefined,
        (error: unknown) => {
          this.options.logger.error(`${this.options.name} failed: ${String(error)}`);
        },
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops ticking and waits for the pass in progress, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
