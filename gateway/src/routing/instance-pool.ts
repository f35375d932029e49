import type { ServiceInstance, ServiceRegistry } from '@playlist-chat/platform';

/**
 * The healthy instances of one service as this gateway sees them: the registry's list (kept
 * current by `ServiceRegistry.watch`), picked round robin (or by least load), minus instances that just could not
 * be reached from here or left a request (or an upgrade) unanswered until its timeout (ejected
 * for `ejectMs`, so the next requests do not hit them while the registry's own health check
 * catches up).
 */
export class InstancePool {
  private instances: readonly ServiceInstance[] = [];
  private cursor = 0;
  private readonly ejectedUntil = new Map<string, number>();
  private readonly stopWatching: () => void;

  constructor(
    readonly service: string,
    registry: ServiceRegistry,
    private readonly ejectMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.stopWatching = registry.watch(service, (instances) => {
      this.instances = [...instances].sort((a, b) => a.id.localeCompare(b.id));
      const ids = new Set(this.instances.map((instance) => instance.id));
      for (const id of this.ejectedUntil.keys()) if (!ids.has(id)) this.ejectedUntil.delete(id);
    });
  }

  get size(): number {
    return this.instances.length;
  }

  /**
   * The next instance in turn that is not in `exclude` (already tried for this request).
   * Ejected instances are used only when nothing else is left: the registry still calls them healthy.
   */
  next(exclude: ReadonlySet<string> = new Set()): ServiceInstance | undefined {
    const pickFrom = this.usable(exclude);
    if (pickFrom.length === 0) return undefined;
    const chosen = pickFrom[this.cursor % pickFrom.length];
    this.cursor = (this.cursor + 1) % Number.MAX_SAFE_INTEGER;
    return chosen;
  }

  /**
   * The usable instance with the least `load` (for long-lived connections: the ones open on it
   * through this gateway), the next in turn among equals. Round robin alone spreads them badly:
   * a client's HTTP requests between its connections take turns too.
   */
  leastLoaded(load: (instanceId: string) => number): ServiceInstance | undefined {
    const pickFrom = this.usable(new Set());
    if (pickFrom.length === 0) return undefined;
    const start = this.cursor % pickFrom.length;
    this.cursor = (this.cursor + 1) % Number.MAX_SAFE_INTEGER;
    let chosen = pickFrom[start];
    for (let step = 1; step < pickFrom.length; step++) {
      const candidate = pickFrom[(start + step) % pickFrom.length];
      if (load(candidate.id) < load(chosen.id)) chosen = candidate;
    }
    return chosen;
  }

  /** Not excluded, and not ejected unless nothing else is left (the registry still calls those healthy). */
  private usable(exclude: ReadonlySet<string>): readonly ServiceInstance[] {
    const candidates = this.instances.filter((instance) => !exclude.has(instance.id));
    const now = this.now();
    const fresh = candidates.filter((instance) => (this.ejectedUntil.get(instance.id) ?? 0) <= now);
    return fresh.length > 0 ? fresh : candidates;
  }

  eject(instanceId: string): void {
    if (this.ejectMs > 0) this.ejectedUntil.set(instanceId, this.now() + this.ejectMs);
  }

  close(): void {
    this.stopWatching();
  }
}

export function instanceUrl(instance: ServiceInstance): string {
  const host = instance.host.includes(':') ? `[${instance.host}]` : instance.host;
  return `http://${host}:${instance.port}`;
}
