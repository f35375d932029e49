import { Inject, Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@playlist-chat/platform';
import { Gauge } from 'prom-client';
import { SearchOutbox } from '../search-index/search-outbox.port';
import { LeaseHolding } from '../storage/leased-pass';

/**
 * The singleton work, read at scrape time: `search_outbox_pending` (room index requests not
 * delivered yet; the same number on every instance, from the shared store) and
 * `lease_held{name}` (1 on the instance that runs `search-outbox` / `housekeeping` now).
 */
@Injectable()
export class WorkMetrics {
  constructor(
    @Inject(MetricsRegistry) registry: MetricsRegistry,
    outbox: SearchOutbox,
    holding: LeaseHolding,
  ) {
    new Gauge({
      name: 'search_outbox_pending',
      help: 'Room index requests waiting in the outbox (due or waiting for a retry)',
      registers: [registry],
      async collect() {
        this.set(await outbox.pendingCount());
      },
    });
    new Gauge({
      name: 'lease_held',
      help: 'Singleton work this instance runs now (1), by lease name',
      labelNames: ['name'],
      registers: [registry],
      collect() {
        for (const [name, held] of Object.entries(holding.snapshot())) this.set({ name }, held);
      },
    });
  }
}
