import type { ServiceRegistry } from '@playlist-chat/platform';
import { InstancePool } from './instance-pool';
import { proxiedServices } from './routes';

/** One `InstancePool` per service the gateway routes to, all fed by the same registry. */
export class Upstreams {
  private readonly pools = new Map<string, InstancePool>();

  constructor(registry: ServiceRegistry, ejectMs: number) {
    for (const service of proxiedServices)
      this.pools.set(service, new InstancePool(service, registry, ejectMs));
  }

  pool(service: string): InstancePool {
    const pool = this.pools.get(service);
    if (!pool) throw new Error(`no route to service ${service}`);
    return pool;
  }

  close(): void {
    for (const pool of this.pools.values()) pool.close();
  }
}
