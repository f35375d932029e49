/**
 * How a graceful stop reaches the SDK without importing it: `startTelemetry` registers its
 * shutdown here, and `stopOnSignals` (in every process) awaits it before exiting, so spans still
 * buffered are exported. Nothing is registered when tracing is off.
 */
let stopHook: (() => Promise<void>) | undefined;

export function setTelemetryStop(stop: () => Promise<void>): void {
  stopHook = stop;
}

/** Exports buffered spans and stops the SDK, if one runs; never rejects. */
export async function stopTelemetry(): Promise<void> {
  const stop = stopHook;
  stopHook = undefined;
  await stop?.().catch(() => undefined);
}
