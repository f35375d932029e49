import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeaseStore } from '../../src/storage/lease-store.port';
import type { StoreFixture } from './store-fixture';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

/** One suite every LeaseStore adapter runs: two instances (two stores on the same data) competing for a lease. */
export function leaseStoreContract(name: string, makeFixture: () => Promise<StoreFixture<LeaseStore>>): void {
  describe(`LeaseStore contract: ${name}`, () => {
    let fixture: StoreFixture<LeaseStore>;
    let a: LeaseStore;
    let b: LeaseStore;

    beforeEach(async () => {
      fixture = await makeFixture();
      a = await fixture.open();
      b = await fixture.open();
    });
    afterEach(async () => {
      await a.close();
      await b.close();
      await fixture.destroy();
    });

    it('gives a free lease to the first owner, and refuses it to another while it holds and renews it', async () => {
      expect(await a.tryAcquire('outbox', 'instance-a', 10_000, at(0))).toBe(true);
      expect(await b.tryAcquire('outbox', 'instance-b', 10_000, at(1))).toBe(false);
      expect(await a.tryAcquire('outbox', 'instance-a', 10_000, at(9))).toBe(true); // renewed to 19 s
      expect(await b.tryAcquire('outbox', 'instance-b', 10_000, at(15))).toBe(false);
      expect(await b.tryAcquire('other-work', 'instance-b', 10_000, at(15))).toBe(true);
    });

    it('lets another owner take a lease its holder stopped renewing', async () => {
      expect(await a.tryAcquire('outbox', 'instance-a', 10_000, at(0))).toBe(true);
      expect(await b.tryAcquire('outbox', 'instance-b', 10_000, at(10))).toBe(true);
      expect(await a.tryAcquire('outbox', 'instance-a', 10_000, at(11))).toBe(false);
    });

    it('frees a lease at once on release, for its owner only', async () => {
      expect(await a.tryAcquire('outbox', 'instance-a', 10_000, at(0))).toBe(true);
      await b.release('outbox', 'instance-b');
      expect(await b.tryAcquire('outbox', 'instance-b', 10_000, at(1))).toBe(false);
      await a.release('outbox', 'instance-a');
      expect(await b.tryAcquire('outbox', 'instance-b', 10_000, at(1))).toBe(true);
    });
  });
}
