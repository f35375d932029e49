// Single process only; use the Consul adapter (service-registry.consul.ts) for a cluster.
import { Logger } from '@nestjs/common';
import { ServiceRegistry, type Registration, type ServiceInstance } from './service-registry.port';

const defaultIntervalMs = 10_000;
/** A health check slower than this counts as failed, like a Consul check's timeout. */
const maxCheckTimeoutMs = 5_000;
/**
 * However often checks run, one may take this long: a busy event loop (a burst of requests on a
 * small machine) answers a check late without being unhealthy, and a 100 ms timeout for a 100 ms
 * interval took a serving instance out of the pool for a moment (503s).
 */
const minCheckTimeoutMs = 1_000;

interface Entry {
  readonly registration: Registration;
  healthy: boolean;
  checking: boolean;
  readonly timer: NodeJS.Timeout;
}

interface Watcher {
  readonly service: string;
  readonly onChange: (instances: ServiceInstance[]) => void;
  /** What was last reported, so only real changes are reported again. */
  last?: string;
}

const toInstance = ({ id, service, host, port, meta }: Registration): ServiceInstance => ({
  id,
  service,
  host,
  port,
  ...(meta ? { meta } : {}),
});

/**
 * Discovery inside one process. Like a Consul agent, it polls each registration's health
 * URL itself at the registration's interval (timers do not keep the process alive): an
 * instance that stops answering 2xx drops out of `healthy()` and comes back when it answers
 * again, and watchers hear of both.
 */
export class InMemoryServiceRegistry extends ServiceRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly watchers = new Set<Watcher>();
  private readonly logger = new Logger(InMemoryServiceRegistry.name);
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  async register(registration: Registration): Promise<void> {
    if (this.closed) throw new Error('InMemoryServiceRegistry is closed');
    this.stopChecking(registration.id);
    const interval = registration.healthCheckIntervalMs ?? defaultIntervalMs;
    const entry: Entry = {
      registration,
      healthy: true,
      checking: false,
      timer: setInterval(() => void this.check(entry, interval), interval).unref(),
    };
    this.entries.set(registration.id, entry);
    this.notify(registration.service);
  }

  async deregister(instanceId: string): Promise<void> {
    const entry = this.stopChecking(instanceId);
    if (entry) this.notify(entry.registration.service);
  }

  async healthy(service: string): Promise<ServiceInstance[]> {
    return this.healthyNow(service);
  }

  watch(service: string, onChange: (instances: ServiceInstance[]) => void): () => void {
    const watcher: Watcher = { service, onChange };
    this.watchers.add(watcher);
    queueMicrotask(() => this.tell(watcher));
    return () => {
      this.watchers.delete(watcher);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.entries.keys()]) this.stopChecking(id);
    this.watchers.clear();
  }

  private healthyNow(service: string): ServiceInstance[] {
    return [...this.entries.values()]
      .filter((entry) => entry.healthy && entry.registration.service === service)
      .map((entry) => toInstance(entry.registration))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  private async check(entry: Entry, interval: number): Promise<void> {
    if (entry.checking) return;
    entry.checking = true;
    let healthy: boolean;
    try {
      const response = await fetch(entry.registration.healthCheckUrl, {
        signal: AbortSignal.timeout(Math.min(Math.max(interval, minCheckTimeoutMs), maxCheckTimeoutMs)),
      });
      await response.arrayBuffer();
      healthy = response.ok;
    } catch {
      healthy = false;
    } finally {
      entry.checking = false;
    }
    // A check that finishes after its instance was deregistered or registered anew reports nothing.
    if (this.entries.get(entry.registration.id) !== entry || entry.healthy === healthy) return;
    entry.healthy = healthy;
    this.notify(entry.registration.service);
  }

  private stopChecking(instanceId: string): Entry | undefined {
    const entry = this.entries.get(instanceId);
    if (!entry) return undefined;
    clearInterval(entry.timer);
    this.entries.delete(instanceId);
    return entry;
  }

  private notify(service: string): void {
    for (const watcher of this.watchers) if (watcher.service === service) this.tell(watcher);
  }

  private tell(watcher: Watcher): void {
    if (!this.watchers.has(watcher)) return;
    const instances = this.healthyNow(watcher.service);
    const summary = JSON.stringify(instances);
    if (summary === watcher.last) return;
    watcher.last = summary;
    try {
      watcher.onChange(instances);
    } catch (error) {
      // A watcher's bug must not fail the registration or health check that triggered it.
      this.logger.error(`watcher of ${watcher.service} failed: ${String(error)}`);
    }
  }
}

let shared: InMemoryServiceRegistry | undefined;

/**
 * The registry every app of a single-node process registers with and resolves from, so the
 * gateway finds the chat and presence servers started beside it. After `close()` the next
 * call creates a fresh one.
 */
export function sharedInMemoryServiceRegistry(): InMemoryServiceRegistry {
  if (!shared || shared.isClosed) shared = new InMemoryServiceRegistry();
  return shared;
}
