import type { EventTopics, TopicName } from '@playlist-chat/contracts';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  EventBus,
  type ConsumerLag,
  type DeadLetterFilter,
  type EventHandler,
  type EventSubscription,
  type SubscribeOptions,
} from '../event-bus/event-bus.port';

/**
 * The chosen EventBus, counted: `event_bus_published_total{topic, outcome}` and
 * `event_bus_consumed_total{topic, group, outcome}` (outcome ok / failed; a failed handling is
 * retried, then dead-lettered), retries, dead letters, and `event_bus_consumer_lag{topic, group}`
 * read from the log on scrape. Topics and groups are a fixed, small set, so labels stay bounded.
 */
export class MeteredEventBus extends EventBus {
  private readonly published: Counter<'topic' | 'outcome'>;
  private readonly consumed: Counter<'topic' | 'group' | 'outcome'>;
  private readonly retries: Counter<'topic' | 'group'>;
  private readonly deadLettered: Counter<'topic' | 'group'>;

  /** `maxAttempts`: the bus's EVENT_MAX_ATTEMPTS; a handling that fails on it is dead-lettered. */
  constructor(
    private readonly bus: EventBus,
    registry: Registry,
    private readonly maxAttempts = Number.POSITIVE_INFINITY,
  ) {
    super();
    this.published = new Counter({
      name: 'event_bus_published_total',
      help: 'Events published to the event bus, by topic and outcome',
      labelNames: ['topic', 'outcome'],
      registers: [registry],
    });
    this.consumed = new Counter({
      name: 'event_bus_consumed_total',
      help: 'Event deliveries handled from the event bus, by topic, group and outcome (failed ones are retried, then dead-lettered)',
      labelNames: ['topic', 'group', 'outcome'],
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'event_bus_retries_total',
      help: 'Deliveries that are a retry of a failed handling (attempt 2 and later), by topic and group',
      labelNames: ['topic', 'group'],
      registers: [registry],
    });
    this.deadLettered = new Counter({
      name: 'event_bus_dead_lettered_total',
      help: 'Events parked in the dead-letter topic after their last attempt failed, by topic and group',
      labelNames: ['topic', 'group'],
      registers: [registry],
    });
    const source = this.bus;
    new Gauge({
      name: 'event_bus_consumer_lag',
      help: 'Events a group read here has not finished handling (not yet delivered, or delivered and not acknowledged), by topic and group; read from the log on each scrape',
      labelNames: ['topic', 'group'],
      registers: [registry],
      async collect() {
        this.reset();
        // A log that cannot answer leaves the series out for this scrape; readiness reports the outage.
        const lags = await source.consumerLag().catch(() => []);
        for (const { topic, group, lag } of lags) this.set({ topic, group }, lag);
      },
    });
  }

  async publish<T extends TopicName>(topic: T, key: string, event: EventTopics[T]): Promise<void> {
    try {
      await this.bus.publish(topic, key, event);
      this.published.inc({ topic, outcome: 'ok' });
    } catch (error) {
      this.published.inc({ topic, outcome: 'failed' });
      throw error;
    }
  }

  subscribe<T extends TopicName>(
    topic: T,
    group: string,
    handler: EventHandler<EventTopics[T]>,
    options?: SubscribeOptions,
  ): Promise<EventSubscription> {
    return this.bus.subscribe(
      topic,
      group,
      async (event, info) => {
        if (info.attempt > 1) this.retries.inc({ topic: info.topic, group });
        try {
          await handler(event, info);
          this.consumed.inc({ topic: info.topic, group, outcome: 'ok' });
        } catch (error) {
          this.consumed.inc({ topic: info.topic, group, outcome: 'failed' });
          if (info.attempt >= this.maxAttempts) this.deadLettered.inc({ topic: info.topic, group });
          throw error;
        }
      },
      options,
    );
  }

  replayDeadLetters(topic: TopicName, filter?: DeadLetterFilter): Promise<number> {
    return this.bus.replayDeadLetters(topic, filter);
  }

  close(): Promise<void> {
    return this.bus.close();
  }

  override ping(): Promise<void> {
    return this.bus.ping();
  }

  override consumerLag(): Promise<ConsumerLag[]> {
    return this.bus.consumerLag();
  }
}
