import { stopTelemetry } from '../telemetry/telemetry-stop';
export interface Stoppable {
  close(): Promise<void>;
}

export interface StopOnSignalsOptions {
  /** What is stopping, for the log line; default: nothing named (the whole process). */
  readonly name?: string;
  /** A stop still running after this long exits 1 anyway. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** `npm start` forwards the terminal's Ctrl+C, so one press arrives twice: only a later signal forces. */
const REPEAT_GRACE_MS = 1_000;

/**
 * Stops `service` gracefully on the first SIGINT/SIGTERM and ends the process: exit 0 when it
 * stopped in time, 1 when the stop failed, overran `timeoutMs`, or a second signal came later
 * than the grace period. Returns the same stop for other triggers (e.g. the parent is gone).
 */
export function stopOnSignals(
  service: Stoppable,
  options: StopOnSignalsOptions = {},
): (reason: string) => void {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let stoppingSince: number | undefined;
  const stop = (reason: string) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < REPEAT_GRACE_MS) return;
      console.log(`${reason} again: exiting now`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    const what = options.name ? ` ${options.name}` : '';
    console.log(
      `${reason}: stopping${what} (new connections refused, in-flight work finishing, deregistering)…`,
    );
    const force = setTimeout(() => {
      console.error(`still stopping after ${timeoutMs} ms; exiting anyway`);
      process.exit(1);
    }, timeoutMs);
    force.unref();
    // Spans still buffered are exported before the process ends (no-op with tracing off).
    service
      .close()
      .then(
        () => stopTelemetry(),
        async (error: unknown) => {
          await stopTelemetry();
          throw error;
        },
      )
      .then(
        () => {
          console.log('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          console.error('stopping failed:', error);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return stop;
}
