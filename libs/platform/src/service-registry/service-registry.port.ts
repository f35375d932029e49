export interface ServiceInstance {
  /** Unique per instance, e.g. `chat-server-<host>-<pid>-<port>`. */
  readonly id: string;
  /** Logical name that callers resolve: `chat-server`, `presence-server`, `gateway`. */
  readonly service: string;
  readonly host: string;
  readonly port: number;
  readonly meta?: Readonly<Record<string, string>>;
}

export interface Registration extends ServiceInstance {
  /** HTTP URL the registry polls; the instance counts as healthy while it answers 2xx. */
  readonly healthCheckUrl: string;
  /** Poll interval in ms (default 10 s). */
  readonly healthCheckIntervalMs?: number;
}

/**
 * Service discovery. Guarantees, for every adapter:
 * - `healthy` returns only instances whose last health check passed (a fresh registration
 *   counts as healthy until its first check says otherwise).
 * - `watch` calls `onChange` with the full healthy list once at start and again after every change.
 * - `deregister` removes the instance at once (graceful shutdown), before the process stops serving.
 */
export abstract class ServiceRegistry {
  abstract register(registration: Registration): Promise<void>;

  abstract deregister(instanceId: string): Promise<void>;

  abstract healthy(service: string): Promise<ServiceInstance[]>;

  /** Returns a function that stops watching. */
  abstract watch(service: string, onChange: (instances: ServiceInstance[]) => void): () => void;

  abstract close(): Promise<void>;

  /** Resolves while the registry is reachable (readiness); in-process and static ones always are. */
  async ping(): Promise<void> {}
}
