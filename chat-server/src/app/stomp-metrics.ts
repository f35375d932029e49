import { Inject, Injectable } from '@nestjs/common';
import { gaugeReadAtScrape, MetricsRegistry } from '@playlist-chat/platform';
import { StompBroker } from '@playlist-chat/stomp';

/** `stomp_sessions`: connected STOMP sessions on this instance, read at scrape time. */
@Injectable()
export class StompMetrics {
  constructor(@Inject(MetricsRegistry) registry: MetricsRegistry, broker: StompBroker) {
    gaugeReadAtScrape(
      registry,
      { name: 'stomp_sessions', help: 'Connected STOMP sessions on this instance' },
      () => broker.sessionCount(),
    );
  }
}
