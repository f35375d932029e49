import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { EventTopics, TopicName } from '@playlist-chat/contracts';
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Consumer,
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

/** A queued record and the `send` waiting for it. */
interface OutboxEntry {
  readonly topic: string;
  readonly message: OutgoingMessage;
  /** Handed to kafkajs: a timeout from now on leaves its outcome unknown. */
  sent: boolean;
  /** Its `send` has resolved or rejected (e.g. timed out). */
  settled: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Headers carrying the publisher's trace context. Not `traceparent`/`tracestate`: the kafkajs
 * instrumentation (@opentelemetry/instrumentation-kafkajs 0.33.0, `_startProducerSpan`)
 * overwrites those in `sendBatch` with its own send span, started in whatever context the
 * flush loop runs in (the first publisher of a batch), not each record's publisher.
 */
const traceHeader = { traceparent: 'event-traceparent', tracestate: 'event-tracestate' } as const;

const dlqSuffix = deadLetterTopic('');

/** `subscribe` gives up (and says so) when the group coordinator has not let it in by then. */
const groupJoinTimeoutMs = 60_000;

/** A replay that has received nothing for this long has read all it can. */
const replayIdleMs = 10_000;

/** First and longest wait before a crashed consumer that kafkajs does not restart is started again. */
const crashRestartBaseMs = 1_000;
const crashRestartMaxMs = 30_000;

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

/** Per topic, per partition: the offset a per-instance group starts at (the end when it subscribed). */
type StartOffsets = ReadonlyMap<string, ReadonlyMap<number, string>>;

/**
 * One subscription's kafkajs consumer. kafkajs restarts a crashed consumer only when the cause
 * is retriable (consumer/index.js `onCrash`, 2.2.4); after a non-retriable crash (coordinator
 * not found, a TypeError in our code…) it emits CRASH with `restart: false` and stays down,
 * and the subscription would be dead while the process looks fine (tulios/kafkajs#1445).
 * Then this starts a new consumer of the same group, with backoff, until one joins: it resumes
 * at the group's committed offsets, so the record that was being handled (not committed) comes
 * again — at-least-once, with its retries and dead-lettering — which failing readiness would
 * not give a per-instance group (a new process starts at the end). While it is down, `down`
 * says why, and `ping` (readiness) fails.
 */
class SubscriptionConsumer {
  private consumer?: Consumer;
  private failJoin?: (error: unknown) => void;
  private restartTimer?: NodeJS.Timeout;
  private failures = 0;
  private closed = false;
  /** Why it is not consuming now (crashed, not joined again yet); undefined while it is. */
  down?: string;
  /** Partitions already moved to their start offset (`startAt`): a later join leaves them be. */
  private readonly positioned = new Set<string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly topics: readonly string[],
    private readonly eachMessage: (payload: EachMessagePayload) => Promise<void>,
    private readonly logger: Logger,
    /** Per-instance groups: where each partition starts, whatever the group committed before. */
    private readonly startAt?: StartOffsets,
  ) {}

  /** Connects and resolves once the group was joined; rejects (disconnected) otherwise. */
  async start(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, allowAutoTopicCreation: false });
    this.consumer = consumer;
    let joinedOnce = false;
    const joined = new Promise<void>((resolve, reject) => {
      this.failJoin = reject;
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        // Synchronous in kafkajs's join (consumer/consumerGroup.js `joinAndSync`), so the seeks
        // are in place before the first fetch of the new assignment (`fetch` → `seekOffsets`).
        this.position(
          consumer,
          (event as { payload?: Partial<typeof event.payload> } | undefined)?.payload?.memberAssignment,
        );
        joinedOnce = true;
        this.down = undefined;
        this.failures = 0;
        resolve();
      });
    });
    joined.catch(() => undefined);
    consumer.on(consumer.events.CRASH, (event) => {
      if (consumer !== this.consumer || this.closed) return;
      const { error, restart } = event.payload;
      this.down = `crashed: ${errorMessage(error)}`;
      if (restart) return; // kafkajs starts it again itself
      if (joinedOnce) this.restartLater();
      else this.failJoin?.(error);
    });
    await consumer.connect();
    try {
      // fromBeginning applies only to partitions without a committed offset, i.e. when the
      // group was already running and so could not be moved to the end: read them all.
      await consumer.subscribe({ topics: [...this.topics], fromBeginning: true });
      await consumer.run({ eachMessage: this.eachMessage });
      await withTimeout(
        joined,
        groupJoinTimeoutMs,
        `Kafka consumer group ${this.groupId} was not joined within ${groupJoinTimeoutMs} ms`,
      );
    } catch (error) {
      await consumer.disconnect();
      throw error;
    }
  }

  /** Moves partitions assigned for the first time to `startAt` (kafkajs commits a seek at once). */
  private position(consumer: Consumer, assignment: Record<string, number[]> | undefined): void {
    if (!this.startAt) return;
    for (const [topic, partitions] of Object.entries(assignment ?? {}))
      for (const partition of partitions) {
        const offset = this.startAt.get(topic)?.get(partition);
        const key = `${topic}:${partition}`;
        if (offset === undefined || this.positioned.has(key)) continue;
        try {
          consumer.seek({ topic, partition, offset });
          this.positioned.add(key);
        } catch (error) {
          this.logger.warn(`could not move ${key} of ${this.groupId} to ${offset}: ${errorMessage(error)}`);
        }
      }
  }

  private restartLater(): void {
    const delay = Math.min(crashRestartMaxMs, crashRestartBaseMs * 2 ** this.failures);
    this.failures += 1;
    this.logger.error(
      `Kafka consumer of group ${this.groupId} is down (${this.down}) and kafkajs does not restart it; starting it again in ${delay} ms`,
    );
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.closed) return;
    // kafkajs disconnected the crashed one already (consumer/index.js `onCrash`); this is a no-op then.
    await this.consumer?.disconnect().catch(() => undefined);
    if (this.closed) return;
    try {
      await this.start();
      this.logger.log(`Kafka consumer of group ${this.groupId} is consuming again`);
    } catch (error) {
      if (this.closed) return;
      this.down = `restart failed: ${errorMessage(error)}`;
      this.restartLater();
    }
  }

  /** Waits for the record being handled (retries included), then leaves the group. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.failJoin?.(new Error('subscription closed'));
    await this.consumer?.disconnect();
  }
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
 *   A per-instance group starts at the end on every start: the end offsets are read before it
 *   joins, and each partition is moved there (`seek`) when first assigned — also while a
 *   crashed predecessor of the same name is still a member (`admin.setOffsets` refuses then).
 * - A consumer that crashes and that kafkajs does not restart is started again (SubscriptionConsumer).
 * - A timed-out publish may still be written by kafkajs's own retries: the next batch waits
 *   until that `sendBatch` settled, so a late record never lands after later ones (`flush`).
 * - Topics (and their `.dlq`) are created on first use with KAFKA_PARTITIONS/KAFKA_REPLICATION;
 *   the dead-letter scans (`npm run dlt`) create none. A per-instance group's replay topic is
 *   deleted with its group when its subscription closes.
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
    { topic: string; group: string; groupId: string; topics: string[]; consumer: SubscriptionConsumer }
  >();
  private readonly publishing = new Set<Promise<unknown>>();
  private readonly outbox: OutboxEntry[] = [];
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
    // The publisher's trace context goes in each record's own headers (`traceHeader`), read back
    // by `handle`, as the Redis bus carries it in the entry: records are sent in batches, and the
    // kafkajs instrumentation's `traceparent` names its send span in the batch's context.
    await publishSpan('kafka', topic, (trace) =>
      this.send(topic, {
        key,
        value: JSON.stringify(event),
        headers: {
          type: event.type,
          version: String(event.version),
          ...(trace.traceparent ? { [traceHeader.traceparent]: trace.traceparent } : {}),
          ...(trace.tracestate ? { [traceHeader.tracestate]: trace.tracestate } : {}),
        },
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
    const topics = [this.name(topic), this.name(replay)];
    const perInstance = options.perInstance === true;
    // A per-instance group starts where the topics end now, whatever it committed before;
    // any other group only when it is new (admin.setOffsets: the group must be empty).
    const startAt = perInstance ? await this.endOffsets(topics) : undefined;
    if (!perInstance) for (const name of topics) await this.startAtEndIfNew(groupId, name);
    const consumer = new SubscriptionConsumer(
      this.kafka,
      groupId,
      topics,
      (payload) => this.handle(topic, group, payload, handler as EventHandler<unknown>),
      this.logger,
      startAt,
    );
    await consumer.start();
    let open = true;
    const subscription: EventSubscription = {
      close: async () => {
        if (!open) return;
        open = false;
        this.subscriptions.delete(subscription);
        // Waits for the record being handled (retries included) before leaving the group.
        await consumer.close();
        if (perInstance) await this.removeInstanceGroup(groupId, replay);
      },
    };
    this.subscriptions.set(subscription, { topic, group, groupId, topics, consumer });
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
    const admin = await this.connectedAdmin();
    const dlqName = this.name(deadLetterTopic(topic));
    // Reading creates nothing (`npm run dlt -- list --topic <typo>` must not make a topic):
    // a dead-letter topic that does not exist holds nothing.
    if (!(await admin.listTopics()).includes(dlqName)) return;
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

  /**
   * Reachable while the admin client can describe the cluster (a failed connection is retried
   * next time) and every subscription is consuming (not crashed and waiting to be started again).
   */
  override async ping(): Promise<void> {
    await (await this.connectedAdmin()).describeCluster();
    for (const { groupId, consumer } of this.subscriptions.values())
      if (consumer.down !== undefined)
        throw new Error(`Kafka consumer group ${groupId} is not consuming: ${consumer.down}`);
  }

  /**
   * A per-instance group whose (last) subscription closed: deletes the group, then its replay
   * topic — only when the group is gone (deleted now, or not there), i.e. no member of it is
   * left anywhere to read the topic; a group another process still uses is left alone.
   * The groups and replay topics of instances that crashed and never came back under the
   * same INSTANCE_ID stay (docs/operations.md, "Kafka").
   */
  private async removeInstanceGroup(groupId: string, replay: string): Promise<void> {
    if ([...this.subscriptions.values()].some((other) => other.groupId === groupId)) return;
    const admin = await this.connectedAdmin();
    const gone = await admin.deleteGroups([groupId]).then(
      () => true,
      (error: unknown) => {
        const groups = (error as { groups?: Array<{ error?: { type?: string } }> }).groups;
        if (groups?.length && groups.every((entry) => entry.error?.type === 'GROUP_ID_NOT_FOUND'))
          return true;
        this.logger.warn(`deleting Kafka group ${groupId} failed: ${errorMessage(error)}`);
        return false;
      },
    );
    if (!gone) return;
    this.topicsReady.delete(replay);
    await admin
      .deleteTopics({ topics: [this.name(replay)] })
      .catch((error: unknown) =>
        this.logger.warn(`deleting Kafka topic ${this.name(replay)} failed: ${errorMessage(error)}`),
      );
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
    const headers = payload.message.headers;
    const own = headerText(headers, traceHeader.traceparent);
    // Records published before the trace context had its own headers carry it as `traceparent`.
    const carrier =
      own !== undefined
        ? { traceparent: own, tracestate: headerText(headers, traceHeader.tracestate) }
        : { traceparent: headerText(headers, 'traceparent'), tracestate: headerText(headers, 'tracestate') };
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

  /**
   * Queues `message` for the next produce request and resolves once it is durable. Rejects after
   * KAFKA_PUBLISH_TIMEOUT_MS (topic creation and connection included): a record not yet handed
   * to kafkajs then is dropped (not published); one already handed to it may still be written
   * by kafkajs's own retries, and the error says its outcome is unknown.
   */
  private async send(topic: string, message: OutgoingMessage): Promise<void> {
    const timeoutMs = this.publishTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const sending = new Promise<void>((resolve, reject) => {
      const entry: OutboxEntry = {
        topic: this.name(topic),
        message,
        sent: false,
        settled: false,
        resolve: () => {
          if (entry.settled) return;
          entry.settled = true;
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          if (entry.settled) return;
          entry.settled = true;
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(errorMessage(error)));
        },
      };
      timer = setTimeout(
        () =>
          entry.reject(
            new Error(
              entry.sent
                ? `Kafka publish timed out after ${timeoutMs} ms; its outcome is unknown (kafkajs may still write it)`
                : `Kafka publish timed out after ${timeoutMs} ms; it was not sent`,
            ),
          ),
        timeoutMs,
      );
      this.ensureTopics(topic.endsWith(dlqSuffix) ? topic.slice(0, -dlqSuffix.length) : topic).then(
        () => {
          if (entry.settled) return;
          this.outbox.push(entry);
          if (!this.flushing) void this.flush();
        },
        (error: unknown) => entry.reject(error),
      );
    });
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
   * The next request waits until the previous `sendBatch` settled, also when its publishers
   * already got their timeout: kafkajs may still write it (its retries are not cancelled), and
   * a later record must not overtake it. kafkajs bounds a `sendBatch` (retries, request timeout).
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.outbox.length > 0) {
        // Timed out before they were sent: dropped, so their rejection means "not published".
        let batch = this.outbox.splice(0).filter((entry) => !entry.settled);
        if (batch.length === 0) continue;
        try {
          const producer = await this.connectedProducer();
          batch = batch.filter((entry) => !entry.settled);
          if (batch.length === 0) continue;
          const byTopic = new Map<string, OutgoingMessage[]>();
          for (const entry of batch) {
            entry.sent = true;
            byTopic.set(entry.topic, [...(byTopic.get(entry.topic) ?? []), entry.message]);
          }
          await producer.sendBatch({
            acks: -1,
            timeout: this.publishTimeoutMs,
            topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          });
          const late = batch.filter((entry) => entry.settled).length;
          if (late > 0)
            this.logger.warn(`${late} Kafka record(s) whose publish had timed out were written after all`);
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

  /** The end offset of each partition of `topicNames` now. */
  private async endOffsets(topicNames: readonly string[]): Promise<StartOffsets> {
    const admin = await this.connectedAdmin();
    const ends = new Map<string, Map<number, string>>();
    for (const name of topicNames)
      ends.set(
        name,
        new Map((await admin.fetchTopicOffsets(name)).map(({ partition, high }) => [partition, high])),
      );
    return ends;
  }

  /** Moves a group that never committed to the end of the topic, so it reads what is published from now on. */
  private async startAtEndIfNew(groupId: string, topicName: string): Promise<void> {
    const admin = await this.connectedAdmin();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topicName] });
    if (committed && committed.partitions.some((partition) => partition.offset !== '-1')) return;
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
