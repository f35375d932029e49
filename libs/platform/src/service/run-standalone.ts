import { ConfigError } from '../config/settings';
import { stopOnSignals, type StopOnSignalsOptions, type Stoppable } from './stop-on-signals';

/**
 * Ends a process whose start-up failed, with exit code 1: a bad setting is printed as its
 * message alone (it names every bad variable; a stack would only bury it), anything else in full.
 */
export function exitOnStartFailure(error: unknown): never {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

/**
 * The `main` of an app run on its own (`node chat-server/dist/main.js`): starts it, then stops
 * it gracefully on SIGINT/SIGTERM (see `stopOnSignals` for the exit codes); a failed start
 * exits 1 (see `exitOnStartFailure`).
 */
export function runStandalone(
  name: string,
  start: () => Promise<Stoppable>,
  options: Omit<StopOnSignalsOptions, 'name'> = {},
): void {
  Promise.resolve()
    .then(start)
    .then((service) => void stopOnSignals(service, { ...options, name }), exitOnStartFailure);
}
