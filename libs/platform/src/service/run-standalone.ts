import { platformSettings } from '../config/platform.settings';
import { ConfigError, loadSettings } from '../config/settings';
import { stopOnSignals, type StopOnSignalsOptions, type Stoppable } from './stop-on-signals';

/**
 * Ends a process whose start-up failed, with exit code 1: a bad setting is printed as its
 * message alone (it names every bad variable; a stack would only bury it), anything else in full.
 */
export function exitOnStartFailure(error: unknown): never {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

export interface RunStandaloneOptions extends StopOnSignalsOptions {
  /** Called once the app is up, with the graceful stop, for other triggers (e.g. the parent is gone). */
  readonly onRunning?: (stop: (reason: string) => void) => void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * The `main` of a process (`node chat-server/dist/main.js`, `npm start`): starts the app, then
 * stops it gracefully on SIGINT/SIGTERM (see `stopOnSignals` for the exit codes); a failed
 * start exits 1 (see `exitOnStartFailure`). Signals are caught from the first moment: one that
 * arrives while the app is starting (a supervisor stopping a slow boot) stops it as soon as it
 * is up, instead of killing it half-started. A stop overrunning SHUTDOWN_TIMEOUT_MS (unless
 * `timeoutMs` says otherwise) exits 1: read once the app is up, which validated it.
 */
export function runStandalone(start: () => Promise<Stoppable>, options: RunStandaloneOptions = {}): void {
  let early: string | undefined;
  const onEarlySignal = (signal: NodeJS.Signals) => (early ??= signal);
  for (const signal of SIGNALS) process.on(signal, onEarlySignal);
  Promise.resolve()
    .then(start)
    .then((service) => {
      const timeoutMs = options.timeoutMs ?? loadSettings(platformSettings, process.env).shutdownTimeoutMs;
      const stop = stopOnSignals(service, { ...options, timeoutMs });
      for (const signal of SIGNALS) process.off(signal, onEarlySignal);
      options.onRunning?.(stop);
      if (early !== undefined) stop(early);
    }, exitOnStartFailure);
}
