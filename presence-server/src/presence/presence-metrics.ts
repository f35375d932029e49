import { Inject, Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@playlist-chat/platform';
import { Gauge } from 'prom-client';
import { PresenceStore } from './presence-store.port';

/**
 * `presence_connected_members`: room memberships with a device connected, or within the
 * disconnect grace, read from the store on scrape (the sweeper's list: one count, whatever the
 * number of rooms). It is about the number of members who are on; those who chose to appear
 * offline are counted while connected.
 */
@Injectable()
export class PresenceMetrics {
  constructor(@Inject(MetricsRegistry) registry: MetricsRegistry, store: PresenceStore) {
    new Gauge({
      name: 'presence_connected_members',
      help: 'Room memberships with a connected device (or within the disconnect grace): about the members who are on',
      registers: [registry],
      async collect() {
        this.set(await store.connectedMembers());
      },
    });
  }
}
