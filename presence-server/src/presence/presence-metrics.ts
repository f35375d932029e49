import { Inject, Injectable } from '@nestjs/common';
import { gaugeReadAtScrape, MetricsRegistry } from '@playlist-chat/platform';
import { PresenceStore } from './presence-store.port';

/**
 * Presence on-counts, read from the store on scrape (one O(1) read each; with the Redis store the
 * same numbers on every presence-server instance); no room or user label:
 * - `presence_connected_members`: room memberships with a device connected, or within the
 *   disconnect grace (the sweeper's list). Members who chose to appear offline count while
 *   connected; devices of members not on the roster yet count too.
 * - `presence_members_on`: (room, member) pairs whose announced presence is on, i.e. what the
 *   rooms show (a count every store mutation keeps beside the reported states).
 */
@Injectable()
export class PresenceMetrics {
  constructor(@Inject(MetricsRegistry) registry: MetricsRegistry, store: PresenceStore) {
    gaugeReadAtScrape(
      registry,
      {
        name: 'presence_connected_members',
        help: 'Room memberships with a connected device (or within the disconnect grace): about the members who are on',
      },
      () => store.connectedMembers(),
    );
    gaugeReadAtScrape(
      registry,
      {
        name: 'presence_members_on',
        help: 'Room members whose presence is on, summed over rooms (a member on in two rooms counts twice), as last announced',
      },
      () => store.membersOn(),
    );
  }
}
