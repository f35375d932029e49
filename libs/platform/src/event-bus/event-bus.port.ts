import type { EventTopics, TopicName } from '@playlist-chat/contracts';

export interface DeliveryInfo {
  readonly topic: string;
  readonly key: string;
  /** 1 on first delivery, then 2, 3… on retries. */
  readonly attempt: number;
  /** Set on deliveries from a dead-letter topic: why and where the event was parked. */
  readonly deadLetter?: DeadLetterInfo;
}

export interface DeadLetterInfo {
  /** The topic whose handler gave up on the event. */
  readonly originalTopic: string;
  /** The consumer group whose handler gave up: a replay goes back to that group only. */
  readonly group?: string;
  /** Message of the last error the handler threw. */
  readonly error: string;
  /** Deliveries made before the event was parked. */
  readonly attempts: number;
  /** ISO-8601 time it was parked. */
  readonly failedAt: string;
}

export type EventHandler<T> = (event: T, info: DeliveryInfo) => Promise<void>;

export interface SubscribeOptions {
  /**
   * A broadcast group: one instance's own group (every instance gets every event), named stably
   * (after INSTANCE_ID). It starts at the end of the log even when it exists already — a
   * restarted instance skips what happened while it was down — and it is deleted when its last
   * subscription closes, so the groups of instances that are gone do not pile up.
   */
  readonly perInstance?: boolean;
}

/** Which parked events an operator means: those of one group, at most `limit`. */
export interface DeadLetterFilter {
  readonly group?: string;
  readonly limit?: number;
}

/** One parked event as the dead-letter topic holds it. */
export interface ParkedEvent extends DeadLetterInfo {
  readonly id: string;
  readonly key: string;
  readonly group: string;
  /** The event as published (JSON). */
  readonly event: string;
}

export interface EventSubscription {
  /** Stops delivery to this handler; in-flight handling finishes first. */
  close(): Promise<void>;
}

/** A group's backlog on one topic: events it has not finished handling. */
export interface ConsumerLag {
  readonly topic: string;
  readonly group: string;
  /** Events not yet delivered to the group, plus those delivered and not yet acknowledged. */
  readonly lag: number;
}

/** Topic that receives events whose handling failed `EVENT_MAX_ATTEMPTS` times: `${topic}.dlq`. */
export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/**
 * The log between services. Guarantees, for every adapter:
 * - `publish` resolves only once the event is durable in the log (Kafka: acks from all
 *   in-sync replicas, idempotent producer); a rejected promise means it was not published.
 * - At-least-once delivery: a handler may see an event again, so handlers are idempotent.
 * - Per-key order: events with the same key reach a group's handler in publish order, and the
 *   next event of a key waits until the previous one was handled (or dead-lettered).
 * - Groups: every group gets every event; within one group, each event goes to one subscriber.
 * - A handler that throws is retried with exponential backoff (`EVENT_RETRY_BASE_MS`, doubling)
 *   up to `EVENT_MAX_ATTEMPTS` deliveries; then the event is published to `deadLetterTopic(topic)`
 *   with the last error, and the key moves on. `replayDeadLetters` puts parked events back.
 */
export abstract class EventBus {
  abstract publish<T extends TopicName>(topic: T, key: string, event: EventTopics[T]): Promise<void>;

  /** Resolves once the subscription is live: events published after it resolves are delivered. */
  abstract subscribe<T extends TopicName>(
    topic: T,
    group: string,
    handler: EventHandler<EventTopics[T]>,
    options?: SubscribeOptions,
  ): Promise<EventSubscription>;

  /**
   * Operator tool: gives parked events of `topic` back to the group that failed each (only that
   * group handles them again), oldest first — all, or only `filter.group`'s, at most
   * `filter.limit` — and removes them from the dead-letter topic; returns how many.
   */
  abstract replayDeadLetters(topic: TopicName, filter?: DeadLetterFilter): Promise<number>;

  /** Flushes what is in flight and releases connections. */
  abstract close(): Promise<void>;

  /** Resolves while the log is reachable (readiness); in-process buses always are. */
  async ping(): Promise<void> {}

  /**
   * The backlog of each group this process reads (replay topics included), read on a metrics
   * scrape: one request per group to the log, so it stays cheap. Empty when nothing is read here.
   */
  async consumerLag(): Promise<ConsumerLag[]> {
    return [];
  }
}
