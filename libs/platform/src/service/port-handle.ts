/**
 * An adapter opened for one app: the port, and how to let go of what opening it created.
 * Process-wide single-node adapters (the in-memory bus and registry) are shared by every app of
 * the process, so their `release` leaves them open.
 */
export interface PortHandle<T> {
  readonly port: T;
  release(): Promise<void>;
}
