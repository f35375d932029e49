import { Inject, Injectable } from '@nestjs/common';
import { counterReadAtScrape, gaugeReadAtScrape, MetricsRegistry } from '@playlist-chat/platform';
import { StompBroker } from '@playlist-chat/stomp';

/**
 * The STOMP endpoint's series, all read at scrape time from counts libs/stomp keeps as plain
 * numbers: `stomp_sessions`, `stomp_subscriptions`, `stomp_frames_received_total{command}` and
 * `stomp_frames_sent_total{command}` (commands are the fixed STOMP set, so labels stay bounded).
 */
@Injectable()
export class StompMetrics {
  constructor(@Inject(MetricsRegistry) registry: MetricsRegistry, broker: StompBroker) {
    gaugeReadAtScrape(
      registry,
      { name: 'stomp_sessions', help: 'Connected STOMP sessions on this instance' },
      () => broker.sessionCount(),
    );
    gaugeReadAtScrape(
      registry,
      { name: 'stomp_subscriptions', help: 'Subscriptions of the connected STOMP sessions on this instance' },
      () => broker.subscriptionCount(),
    );
    counterReadAtScrape(
      registry,
      {
        name: 'stomp_frames_received_total',
        help: 'STOMP frames received from clients, by command (unknown commands as other)',
        label: 'command',
      },
      () => broker.frames.snapshot().received,
    );
    counterReadAtScrape(
      registry,
      {
        name: 'stomp_frames_sent_total',
        help: 'STOMP frames sent to clients, by command (MESSAGE: one per delivery)',
        label: 'command',
      },
      () => broker.frames.snapshot().sent,
    );
  }
}
