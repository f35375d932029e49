import type { LeaseStore } from './lease-store.port';

/**
 * One pass of singleton work, run only by the instance holding lease `name` (taken, or renewed,
 * first). A holder that dies stops renewing; after `ttlMs` another instance takes over.
 */
export async function runWhileLeased(
  leases: LeaseStore,
  lease: { name: string; owner: string; ttlMs: number; now: Date },
  work: () => Promise<unknown>,
): Promise<void> {
  if (!(await leases.tryAcquire(lease.name, lease.owner, lease.ttlMs, lease.now))) return;
  await work();
}

/** A lease outlives a few missed passes, so a slow pass does not hand the work over. */
export const leaseTtlFor = (intervalMs: number): number => Math.max(3 * intervalMs, 2_000);
