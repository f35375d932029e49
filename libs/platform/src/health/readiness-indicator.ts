/**
 * One dependency an app needs before it can serve (its store, the event bus, …). An app
 * writes a small injectable class per dependency and passes the classes to
 * `HealthModule.forRoot({ readiness: [...] })`.
 */
export abstract class ReadinessIndicator {
  /** Key of this check in the `/health/ready` report, e.g. `store`, `event-bus`. */
  abstract readonly name: string;

  /**
   * Resolves when the dependency is usable; throws (the message is reported) when it is not.
   * It may resolve with details for the report: usable, with something an operator should see.
   */
  abstract check(signal: AbortSignal): Promise<void | Readonly<Record<string, string>>>;
}
