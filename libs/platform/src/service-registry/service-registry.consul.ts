import { Logger } from '@nestjs/common';
import Consul from 'consul';
import type { PlatformSettings } from '../config/platform.settings';
import { redactUrl } from '../config/settings';
import { ServiceRegistry, type Registration, type ServiceInstance } from './service-registry.port';

export interface ConsulRegistryOptions {
  /** Consul agent HTTP address, e.g. `http://consul:8500`. */
  readonly url: string;
  /** Go duration after which Consul drops an instance whose check stayed critical, e.g. `1m`. */
  readonly deregisterCriticalAfter: string;
  /**
   * Longest one call to the agent may take (CONSUL_TIMEOUT_MS, default 5 s): a hung agent must
   * not hang start-up (register), shutdown (deregister) or every presence lookup (healthy).
   * `watch`'s blocking queries keep their own bound (their wait plus a margin).
   */
  readonly timeoutMs?: number;
}

export function consulRegistryOptions(settings: PlatformSettings): ConsulRegistryOptions {
  return {
    url: settings.consulUrl,
    deregisterCriticalAfter: settings.consulDeregisterAfter,
    timeoutMs: settings.consulTimeoutMs,
  };
}

const defaultTimeoutMs = 5_000;

/** The part of a `/v1/health/service/:service` entry this adapter reads. */
interface HealthEntry {
  readonly Node?: { readonly Address?: string };
  readonly Service: {
    readonly ID: string;
    readonly Service: string;
    readonly Address?: string;
    readonly Port: number;
    readonly Meta?: Record<string, string> | null;
  };
}

const defaultIntervalMs = 10_000;
const maxCheckTimeoutMs = 5_000;

function toInstances(entries: unknown): ServiceInstance[] {
  return (entries as HealthEntry[])
    .map(({ Node, Service }) => ({
      id: Service.ID,
      service: Service.Service,
      host: Service.Address || Node?.Address || '',
      port: Service.Port,
      ...(Service.Meta && Object.keys(Service.Meta).length > 0 ? { meta: Service.Meta } : {}),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** How often an instance checks that the agent still lists it. */
const reconcileIntervalMs = 15_000;

/**
 * Discovery through the local Consul agent. Registration carries an HTTP check run by the
 * agent at the registration's interval; it starts as passing (a fresh instance counts as
 * healthy) and an instance critical for CONSUL_DEREGISTER_CRITICAL_AFTER is removed by
 * Consul itself, so a crashed process does not linger. `healthy` asks for passing entries
 * only; `watch` is a blocking query on the same endpoint (the package's `watch` helper,
 * which re-connects with backoff) and reports a list only when it differs from the last.
 * Every `reconcileIntervalMs` an instance checks that the agent still lists it and registers
 * again if not (an agent restarted without its data forgets everyone).
 */
export class ConsulServiceRegistry extends ServiceRegistry {
  private readonly logger = new Logger(ConsulServiceRegistry.name);
  private readonly consul: Consul;
  private readonly watches = new Set<ReturnType<Consul['watch']>>();
  /** What this process registered, to register again when the agent forgot it (restarted without its data). */
  private readonly registered = new Map<string, Registration>();
  private reconcileTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ConsulRegistryOptions) {
    super();
    const url = new URL(options.url);
    const secure = url.protocol === 'https:';
    // papi's client-wide `timeout` (Consul extends papi.Client; consul.d.ts leaves it out) aborts
    // a request not completed by then (papi lib/client.js `__execute`); a request that sets its
    // own keeps it (the watch's blocking queries: their wait plus a margin, consul lib/watch.js).
    const clientOptions = {
      host: url.hostname,
      port: Number(url.port || (secure ? 443 : 8500)),
      secure,
      timeout: this.timeoutMs,
    };
    this.consul = new Consul(clientOptions);
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? defaultTimeoutMs;
  }

  /** Runs one agent call; a timeout says which call, which agent and which setting bounds it. */
  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      // papi's errors.TimeoutError marks itself `isTimeout` (papi lib/errors.js).
      if ((error as { isTimeout?: unknown } | undefined)?.isTimeout === true)
        throw new Error(
          `Consul agent at ${redactUrl(this.options.url)} did not answer ${what} within ${this.timeoutMs} ms (CONSUL_TIMEOUT_MS)`,
          { cause: error },
        );
      throw error;
    }
  }

  async register(registration: Registration): Promise<void> {
    await this.registerWithAgent(registration);
    this.registered.set(registration.id, registration);
    this.reconcileTimer ??= setInterval(() => void this.reRegisterForgotten(), reconcileIntervalMs);
    this.reconcileTimer.unref();
  }

  /** An agent that restarted without its data no longer lists us: register again rather than stay invisible. */
  private async reRegisterForgotten(): Promise<void> {
    try {
      const known = (await this.call('the service list', () => this.consul.agent.service.list())) as Record<
        string,
        unknown
      >;
      for (const [id, registration] of this.registered) {
        if (known[id] !== undefined) continue;
        this.logger.warn(`Consul no longer lists ${id}; registering it again`);
        await this.registerWithAgent(registration);
      }
    } catch (error) {
      this.logger.warn(`could not check the Consul registration: ${String(error)}`);
    }
  }

  private async registerWithAgent(registration: Registration): Promise<void> {
    const interval = registration.healthCheckIntervalMs ?? defaultIntervalMs;
    await this.call(`the registration of ${registration.id}`, () =>
      this.consul.agent.service.register({
        id: registration.id,
        name: registration.service,
        address: registration.host,
        port: registration.port,
        ...(registration.meta ? { meta: { ...registration.meta } } : {}),
        check: {
          name: `${registration.service} HTTP health`,
          http: registration.healthCheckUrl,
          interval: `${interval}ms`,
          timeout: `${Math.min(interval, maxCheckTimeoutMs)}ms`,
          status: 'passing',
          deregistercriticalserviceafter: this.options.deregisterCriticalAfter,
        },
      }),
    );
  }

  async deregister(instanceId: string): Promise<void> {
    this.registered.delete(instanceId);
    await this.call(`the deregistration of ${instanceId}`, () =>
      this.consul.agent.service.deregister(instanceId),
    );
  }

  async healthy(service: string): Promise<ServiceInstance[]> {
    return toInstances(
      await this.call(`the health lookup of ${service}`, () =>
        this.consul.health.service({ service, passing: true }),
      ),
    );
  }

  watch(service: string, onChange: (instances: ServiceInstance[]) => void): () => void {
    const watch = this.consul.watch({
      method: this.consul.health.service,
      options: { service, passing: 'true' },
      backoffMax: 10_000,
    });
    let last: string | undefined;
    watch.on('change', (entries: unknown) => {
      const instances = toInstances(entries);
      const summary = JSON.stringify(instances);
      if (summary === last) return;
      last = summary;
      try {
        onChange(instances);
      } catch (error) {
        this.logger.error(`watcher of ${service} failed: ${String(error)}`);
      }
    });
    watch.on('error', (error: Error) =>
      this.logger.warn(`watch of ${service} failed, retrying: ${error.message}`),
    );
    this.watches.add(watch);
    return () => {
      this.watches.delete(watch);
      watch.end();
    };
  }

  override async ping(): Promise<void> {
    await this.call('a ping', () => this.consul.agent.self());
  }

  async close(): Promise<void> {
    clearInterval(this.reconcileTimer);
    for (const watch of this.watches) watch.end();
    this.watches.clear();
    this.consul.destroy();
  }
}
