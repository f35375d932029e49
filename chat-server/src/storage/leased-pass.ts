import type { LeaseStore } from './lease-store.port';

/**
 * One pass of singleton work, run only by the instance holding lease `name` (taken, or renewed,
 * first). A holder that dies stops renewing; after `ttlMs` another instance takes over.
 */
export async function runWhileLeased(
  leases: LeaseStore,
  lease: { name: string; owner: string; ttlMs: number; now: Date },
  work: () => Promise<unknown>,
  holding?: LeaseHolding,
): Promise<void> {
  const held = await leases.tryAcquire(lease.name, lease.owner, lease.ttlMs, lease.now);
  holding?.record(lease.name, held);
  if (held) await work();
}

/** Which singleton leases this instance held at its last try (the `lease_held{name}` gauge). */
export class LeaseHolding {
  private readonly held = new Map<string, boolean>();

  record(name: string, held: boolean): void {
    this.held.set(name, held);
  }

  /** The instance stopped trying (shutdown): it holds nothing. */
  released(name: string): void {
    this.held.set(name, false);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.held].map(([name, held]) => [name, held ? 1 : 0]));
  }
}

/** A lease outlives a few missed passes, so a slow pass does not hand the work over. */
export const leaseTtlFor = (intervalMs: number): number => Math.max(3 * intervalMs, 2_000);
