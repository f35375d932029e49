import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { EventTopics, TopicName } from '@playlist-chat/contracts';
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type EachMessagePayload,
  type IHeaders,
  type Producer,
} from 'kafkajs';
import { withTimeout } from '../concurrency/with-timeout';
import type { PlatformSettings } from '../config/platform.settings';
import {
  deadLetterTopic,
  EventBus,
  type ConsumerLag,
  type DeadLetterInfo,
  type DeliveryInfo,
  type EventHandler,
  type EventSubscription,
  type DeadLetterFilter,
  type ParkedEvent,
  type SubscribeOptions,
} from './event-bus.port';
import { consumeSpan, publishSpan } from '../telemetry/trace-context';
import { errorMessage, retryDelayMs, retryPolicyFrom, type RetryPolicy } from './retry-policy';

export interface KafkaEventBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Partitions and replication factor of the topics this bus creates. */
  readonly partitions: number;
  readonly replication: number;
  readonly retryPolicy: RetryPolicy;
  /** Prefix of every topic and group name on the cluster, so environments (or test runs) can share one. */
  readonly namespace?: string;
  /** Longest a publish (connection, retries and acks included) may take before it rejects (default 30 s). */
  readonly publishTimeoutMs?: number;
}

export function kafkaEventBusOptions(settings: PlatformSettings): KafkaEventBusOptions {
  return {
    publishTimeoutMs: settings.kafkaPublishTimeoutMs,
    brokers: settings.kafkaBrokers,
    clientId: settings.kafkaClientId,
    partitions: settings.kafkaPartitions,
    replication: settings.kafkaReplication,
    retryPolicy: retryPolicyFrom(settings),
  };
}

interface OutgoingMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers: IHeaders;
}

const dlqSuffix = deadLetterTopic('');

/** `subscribe` gives up (and says so) when the group coordinator has not let it in by then. */
const groupJoinTimeoutMs = 60_000;

/** A replay that has received nothing for this long has read all it can. */
const replayIdleMs = 10_000;

/** Headers of a dead-lettered record; the rest of its headers and its key and value are the original's. */
const dlqHeader = {
  originalTopic: 'dlq-original-topic',
  group: 'dlq-group',
  error: 'dlq-error',
  attempts: 'dlq-attempts',
  failedAt: 'dlq-failed-at',
} as const;

const headerText = (headers: IHeaders | undefined, name: string): string | undefined => {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
};

function deadLetterOf(headers: IHeaders | undefined): DeadLetterInfo | undefined {
  const originalTopic = headerText(headers, dlqHeader.originalTopic);
  if (originalTopic === undefined) return undefined;
  return {
    originalTopic,
    group: headerText(headers, dlqHeader.group),
    error: headerText(headers, dlqHeader.error) ?? '',
    attempts: Number(headerText(headers, dlqHeader.attempts) ?? 0),
    failedAt: headerText(headers, dlqHeader.failedAt) ?? '',
  };
}

/** One record of a dead-letter topic, as a scan hands it on. */
interface DeadLetterRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders | undefined;
}

/**
 * Where a group's dead letters come back: a topic only that group reads. Kafka topic names
 * allow letters, digits, `.`, `_` and `-`; other characters of a group name become `_`.
 */
const replayTopic = (topic: string, group: string): string =>
  `${topic}.replay.${group.replace(/[^A-Za-z0-9._-]/g, '_')}`;

function withoutDeadLetterHeaders(headers: IHeaders | undefined): IHeaders {
  const names = new Set<string>(Object.values(dlqHeader));
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !names.has(name)));
}

/**
 * The EventBus on Kafka. Key = roomId, value = the event as JSON, headers `type` and `version`.
 * - Producer: idempotent, one request in flight, acks from all in-sync replicas, so
 *   `publish` resolves only once the event is durable and retries never reorder or duplicate.
 *   Publishes queue behind the one request in flight and go out together in the next
 *   (see `flush`), so records keep the order of the `publish` calls.
 * - One consumer per `subscribe` in Kafka group `<group>.<topic>` (a group is (topic, group) on
 *   every adapter): Kafka gives each partition (so each key) to
 *   one member and `eachMessage` handles a partition's records one at a time, which is the
 *   per-key order. Retries with backoff happen inside `eachMessage` (heart-beating while it
 *   waits), so the partition does not move on until the event was handled or dead-lettered.
 * - A new group starts at the end of the topic: `subscribe` commits the current end offsets
 *   for a group that has none before joining, so what is published after it resolves is read.
 * - Topics (and their `.dlq`) are created on first use with KAFKA_PARTITIONS/KAFKA_REPLICATION.
 */
export class KafkaEventBus extends EventBus {
  private readonly logger = new Logger(KafkaEventBus.name);
  private readonly kafka: Kafka;
  private readonly namespace: string;
  private producer?: Promise<Producer>;
  private admin?: Promise<Admin>;
  private readonly topicsReady = new Map<string, Promise<void>>();
  /** Live subscriptions, with what each reads (for `consumerLag`): its Kafka group and topic names. */
  private readonly subscriptions = new Map<
    EventSubscription,
    { topic: string; group: string; groupId: string; topics: string[] }
  >();
  private readonly publishing = new Set<Promise<unknown>>();
  private readonly outbox: Array<{
    topic: string;
    message: OutgoingMessage;
    resolve: () => void;
    reject: (error: unknown) => void;
  }> = [];
  private flushing = false;
  private closed = false;

  constructor(private readonly options: KafkaEventBusOptions) {
    super();
    this.namespace = options.namespace ?? '';
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
    });
  }

  async publish<T extends TopicName>(topic: T, key: string, event: EventTopics[T]): Promise<void> {
    this.assertOpen();
    // The publisher's trace context goes in the record headers (`traceparent`): records are sent
    // in batches, so the kafkajs instrumentation's own producer span would start from the batch.
    await publishSpan('kafka', topic, (trace) =>
      this.send(topic, {
        key,
        value: JSON.stringify(event),
        headers: { type: event.type, version: String(event.version), ...trace },
      }),
    );
  }

  async subscribe<T extends TopicName>(
    topic: T,
    group: string,
    handler: EventHandler<EventTopics[T]>,
    options: SubscribeOptions = {},
  ): Promise<EventSubscription> {
    this.assertOpen();
    await this.ensureTopics(topic);
    const replay = replayTopic(topic, group);
    await this.ensureTopics(replay);
    // One kafkajs group per (topic, group): members of one Kafka group must all subscribe the same
    // topics, or the round-robin assigner hands out only the leader's (kafkajs: "Consumer group
    // received unsubscribed topics") and the other topic is never read. Every member reads the
    // topic and the group's own replay topic, where its dead letters come back.
    const groupId = this.name(`${group}.${topic}`);
    for (const name of [topic, replay])
      await this.startAtEndIfNew(groupId, this.name(name), options.perInstance === true);
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    const joined = new Promise<void>((resolve) => {
      const stop = consumer.on(consumer.events.GROUP_JOIN, () => {
        stop();
        resolve();
      });
    });
    await consumer.connect();
    try {
      // fromBeginning applies only to partitions without a committed offset, i.e. when the
      // group was already running and so could not be moved to the end: read them all.
      await consumer.subscribe({ topics: [this.name(topic), this.name(replay)], fromBeginning: true });
      await consumer.run({
        eachMessage: (payload) => this.handle(topic, group, payload, handler as EventHandler<unknown>),
      });
      await withTimeout(
        joined,
        groupJoinTimeoutMs,
        `Kafka consumer group ${groupId} was not joined within ${groupJoinTimeoutMs} ms`,
      );
    } catch (error) {
      await consumer.disconnect();
      throw error;
    }
    let open = true;
    const subscription: EventSubscription = {
      close: async () => {
        if (!open) return;
        open = false;
        this.subscriptions.delete(subscription);
        // Waits for the record being handled (retries included) before leaving the group.
        await consumer.disconnect();
        if (options.perInstance) {
          // The group is empty now: remove it, so instances that are gone leave no groups behind.
          const admin = await this.connectedAdmin();
          await admin
            .deleteGroups([groupId])
            .catch((error: unknown) =>
              this.logger.warn(`deleting Kafka group ${groupId} failed: ${errorMessage(error)}`),
            );
        }
      },
    };
    this.subscriptions.set(subscription, {
      topic,
      group,
      groupId,
      topics: [this.name(topic), this.name(replay)],
    });
    return subscription;
  }

  /**
   * Gives parked events back to the group that failed each, through that group's replay topic
   * `<topic>.replay.<group>` (which only that group reads): all, or only `filter.group`'s, at
   * most `filter.limit`. Kafka deletes records only as a prefix of a partition, so a parked
   * event that is not replayed this time is parked again (at the end) before the prefix goes.
   * Records parked after the replay started wait for the next one.
   */
  async replayDeadLetters(topic: TopicName, filter: DeadLetterFilter = {}): Promise<number> {
    const limit = filter.limit ?? Number.POSITIVE_INFINITY;
    let replayed = 0;
    const dlq = deadLetterTopic(topic);
    await this.scanDeadLetters(topic, async (record) => {
      const group = deadLetterOf(record.headers)?.group;
      const chosen = replayed < limit && (filter.group === undefined || group === filter.group);
      if (!chosen) {
        await this.send(dlq, { key: record.key, value: record.value, headers: record.headers ?? {} });
        return;
      }
      // Parked before events named their group: every group gets it again, as it used to.
      const target = group === undefined ? topic : replayTopic(topic, group);
      await this.send(target, {
        key: record.key,
        value: record.value,
        headers: withoutDeadLetterHeaders(record.headers),
      });
      replayed += 1;
    });
    return replayed;
  }

  /** Parked events of `topic`, oldest first per partition: all, or only `group`'s, at most `limit` (`npm run dlt -- list`). */
  async deadLetters(topic: TopicName, filter: DeadLetterFilter = {}): Promise<ParkedEvent[]> {
    const limit = filter.limit ?? Number.POSITIVE_INFINITY;
    const found: ParkedEvent[] = [];
    await this.scanDeadLetters(
      topic,
      async (record) => {
        const info = deadLetterOf(record.headers);
        if (found.length >= limit || (filter.group !== undefined && info?.group !== filter.group)) return;
        found.push({
          id: `${record.partition}:${record.offset}`,
          key: record.key?.toString() ?? '',
          event: record.value?.toString() ?? '',
          originalTopic: info?.originalTopic ?? topic,
          group: info?.group ?? '',
          error: info?.error ?? '',
          attempts: info?.attempts ?? 0,
          failedAt: info?.failedAt ?? '',
        });
      },
      { keep: true },
    );
    return found;
  }

  /**
   * Reads the dead-letter topic from the beginning up to its end as it is now, with a temporary
   * group, handing each record to `visit`; then (unless `keep`) deletes what was read, so the
   * next scan does not see it again. If the end is not reached (no record for `replayIdleMs`),
   * only what was read is deleted.
   */
  private async scanDeadLetters(
    topic: TopicName,
    visit: (record: DeadLetterRecord) => Promise<void>,
    { keep = false }: { keep?: boolean } = {},
  ): Promise<void> {
    this.assertOpen();
    await this.ensureTopics(topic);
    const admin = await this.connectedAdmin();
    const dlqName = this.name(deadLetterTopic(topic));
    const ends = new Map(
      (await admin.fetchTopicOffsets(dlqName))
        .filter((entry) => BigInt(entry.high) > BigInt(entry.low))
        .map((entry) => [entry.partition, BigInt(entry.high)]),
    );
    if (ends.size === 0) return;
    const groupId = this.name(`${this.options.clientId}.dlt.${randomUUID()}`);
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    /** Per partition, the offset after the last record visited. */
    const readUpTo = new Map<number, bigint>();
    let finish!: () => void;
    let fail!: (error: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    let idle: NodeJS.Timeout | undefined;
    const waitForMore = () => {
      clearTimeout(idle);
      idle = setTimeout(finish, replayIdleMs);
    };
    consumer.on(consumer.events.GROUP_JOIN, waitForMore);
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [dlqName], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const end = ends.get(partition);
          const offset = BigInt(message.offset);
          if (end === undefined || offset >= end) return;
          try {
            await visit({
              partition,
              offset: message.offset,
              key: message.key,
              value: message.value,
              headers: message.headers,
            });
          } catch (error) {
            fail(error);
            throw error;
          }
          readUpTo.set(partition, offset + 1n);
          waitForMore();
          if ([...ends].every(([id, partitionEnd]) => (readUpTo.get(id) ?? 0n) >= partitionEnd)) finish();
        },
      });
      await done;
    } finally {
      clearTimeout(idle);
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    if (!keep && readUpTo.size > 0) {
      await admin.deleteTopicRecords({
        topic: dlqName,
        partitions: [...readUpTo].map(([partition, next]) => ({ partition, offset: next.toString() })),
      });
    }
  }

  /**
   * Per group read here: the end of each partition (topic and replay topic) minus the group's
   * committed offset there (the start of the partition where it committed none). Written against
   * kafkajs's admin API (`fetchTopicOffsets`, `fetchOffsets`); not run here (no Kafka broker).
   */
  override async consumerLag(): Promise<ConsumerLag[]> {
    const admin = await this.connectedAdmin();
    const lags = new Map<string, ConsumerLag>();
    for (const { topic, group, groupId, topics } of this.subscriptions.values()) {
      if (lags.has(groupId)) continue; // several subscriptions of one group share its offsets
      let lag = 0;
      for (const name of topics) {
        const ends = await admin.fetchTopicOffsets(name);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [name] });
        for (const { partition, high, low } of ends) {
          const offset = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
          lag += Math.max(0, Number(high) - Number(offset === '-1' ? low : offset));
        }
      }
      lags.set(groupId, { topic, group, lag });
    }
    return [...lags.values()];
  }

  /** Reachable while the admin client can describe the cluster (a failed connection is retried next time). */
  override async ping(): Promise<void> {
    await (await this.connectedAdmin()).describeCluster();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions.keys()].map((subscription) => subscription.close()));
    await Promise.allSettled([...this.publishing]);
    const [producer, admin] = await Promise.allSettled([this.producer, this.admin]);
    if (producer.status === 'fulfilled' && producer.value) await producer.value.disconnect();
    if (admin.status === 'fulfilled' && admin.value) await admin.value.disconnect();
  }

  private handle(
    topic: string,
    group: string,
    payload: EachMessagePayload,
    handler: EventHandler<unknown>,
  ): Promise<void> {
    const carrier = {
      traceparent: headerText(payload.message.headers, 'traceparent'),
      tracestate: headerText(payload.message.headers, 'tracestate'),
    };
    return consumeSpan('kafka', topic, group, carrier, () => this.attempts(topic, group, payload, handler));
  }

  private async attempts(
    topic: string,
    group: string,
    { message, heartbeat }: EachMessagePayload,
    handler: EventHandler<unknown>,
  ): Promise<void> {
    const key = message.key?.toString() ?? '';
    const deadLetter = deadLetterOf(message.headers);
    const { maxAttempts } = this.options.retryPolicy;
    let lastError: unknown;
    let event: unknown;
    try {
      event = JSON.parse(message.value?.toString() ?? 'null');
    } catch (error) {
      // Unreadable records cannot get better by retrying: straight to the dead-letter topic.
      await this.park(topic, group, message.key, message.value, message.headers, error, 0);
      return;
    }
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const info: DeliveryInfo = { topic, key, attempt, ...(deadLetter ? { deadLetter } : {}) };
      try {
        await handler(event, info);
        return;
      } catch (error) {
        lastError = error;
        if (attempt < maxAttempts)
          await this.backoff(retryDelayMs(this.options.retryPolicy, attempt), heartbeat);
      }
    }
    await this.park(topic, group, message.key, message.value, message.headers, lastError, maxAttempts);
  }

  private async park(
    topic: string,
    group: string,
    key: Buffer | null,
    value: Buffer | null,
    headers: IHeaders | undefined,
    error: unknown,
    attempts: number,
  ): Promise<void> {
    await this.send(deadLetterTopic(topic), {
      key,
      value,
      headers: {
        ...withoutDeadLetterHeaders(headers),
        [dlqHeader.originalTopic]: topic,
        [dlqHeader.group]: group,
        [dlqHeader.error]: errorMessage(error),
        [dlqHeader.attempts]: String(attempts),
        [dlqHeader.failedAt]: new Date().toISOString(),
      },
    });
  }

  /** Waits between attempts, telling the group coordinator every second that this member is alive. */
  private async backoff(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    for (let left = ms; left > 0; left -= 1_000) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, 1_000)));
      await heartbeat();
    }
  }

  private async send(topic: string, message: OutgoingMessage): Promise<void> {
    const sending = (async () => {
      await this.ensureTopics(topic.endsWith(dlqSuffix) ? topic.slice(0, -dlqSuffix.length) : topic);
      await new Promise<void>((resolve, reject) => {
        this.outbox.push({ topic: this.name(topic), message, resolve, reject });
        if (!this.flushing) void this.flush();
      });
    })();
    this.publishing.add(sending);
    try {
      await sending;
    } finally {
      this.publishing.delete(sending);
    }
  }

  /**
   * One produce request at a time, carrying everything queued meanwhile: records keep the
   * order of the `send` calls (kafkajs does not promise that for concurrent sends of an
   * idempotent producer) and a busy publisher still gets batches, not one round trip each.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.outbox.length > 0) {
        const batch = this.outbox.splice(0);
        const byTopic = new Map<string, OutgoingMessage[]>();
        for (const { topic, message } of batch) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
        try {
          const producer = await this.connectedProducer();
          await withTimeout(
            producer.sendBatch({
              acks: -1,
              timeout: this.publishTimeoutMs,
              topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
            }),
            this.publishTimeoutMs,
            `Kafka publish timed out after ${this.publishTimeoutMs} ms`,
          );
          for (const entry of batch) entry.resolve();
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Creates `topic` and its dead-letter topic once per process; creating an existing topic is a no-op. */
  private ensureTopics(topic: string): Promise<void> {
    let ready = this.topicsReady.get(topic);
    if (!ready) {
      ready = (async () => {
        const admin = await this.connectedAdmin();
        await admin.createTopics({
          waitForLeaders: true,
          // A replay topic's failures park in its main topic's dead-letter topic: it needs none.
          topics: (topic.includes('.replay.') ? [topic] : [topic, deadLetterTopic(topic)]).map((name) => ({
            topic: this.name(name),
            numPartitions: this.options.partitions,
            replicationFactor: this.options.replication,
          })),
        });
      })();
      ready.catch(() => this.topicsReady.delete(topic));
      this.topicsReady.set(topic, ready);
    }
    return ready;
  }

  /** Moves a group that never committed to the end of the topic, so it reads what is published from now on. */
  /** `always`: a per-instance group moves to the end even with offsets (its instance restarted). */
  private async startAtEndIfNew(groupId: string, topicName: string, always = false): Promise<void> {
    const admin = await this.connectedAdmin();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topicName] });
    if (!always && committed && committed.partitions.some((partition) => partition.offset !== '-1')) return;
    const ends = await admin.fetchTopicOffsets(topicName);
    try {
      await admin.setOffsets({
        groupId,
        topic: topicName,
        partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
      });
    } catch (error) {
      // Running members (another instance joined first) own the offsets, and they committed
      // the end already. Anything else must not fall back to reading the whole retained log.
      const [now] = await admin.fetchOffsets({ groupId, topics: [topicName] });
      if (now && now.partitions.some((partition) => partition.offset !== '-1')) return;
      throw new Error(
        `could not start Kafka group ${groupId} at the end of ${topicName}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const connecting = (async () => {
        const producer = this.kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          createPartitioner: Partitioners.DefaultPartitioner,
          // Bounded: without it an idempotent producer retries retriable errors for ever.
          retry: { retries: 5, maxRetryTime: this.publishTimeoutMs },
        });
        await producer.connect();
        return producer;
      })();
      // A failed connection is not kept: the next publish connects again.
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = undefined;
      });
      this.producer = connecting;
    }
    return this.producer;
  }

  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const connecting = (async () => {
        const admin = this.kafka.admin({ retry: { retries: 5, maxRetryTime: this.publishTimeoutMs } });
        await admin.connect();
        return admin;
      })();
      connecting.catch(() => {
        if (this.admin === connecting) this.admin = undefined;
      });
      this.admin = connecting;
    }
    return this.admin;
  }

  private get publishTimeoutMs(): number {
    return this.options.publishTimeoutMs ?? 30_000;
  }

  private name(topicOrGroup: string): string {
    return `${this.namespace}${topicOrGroup}`;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('KafkaEventBus is closed');
  }
}
