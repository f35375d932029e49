/**
 * A small in-memory stand-in for the part of kafkajs 2.2.4 (node_modules/kafkajs/src) that
 * KafkaEventBus uses, so the adapter's own behaviour around it can be tested without a broker.
 * It models only what the specs need, with kafkajs's API and event shapes:
 * - events are `{ id, type, timestamp, payload }` (instrumentation/event.js), delivered to `on`
 *   listeners synchronously (consumer/index.js `on`, instrumentation/emitter.js);
 * - GROUP_JOIN's payload carries `memberAssignment: { [topic]: partitions }` and is emitted in the
 *   join, before the first fetch (consumer/consumerGroup.js `joinAndSync`);
 * - `seek` needs `run` first and applies (and, with autoCommit, commits) before the next fetch
 *   (consumer/index.js `seek`, consumerGroup.js `fetch` → `seekOffsets`, offsetManager `seek`);
 * - a crash disconnects the consumer, then emits CRASH `{ error, groupId, restart }`, restart only
 *   for a retriable cause (consumer/index.js `onCrash`, 2.2.4 lines 246-293);
 * - `admin.setOffsets` refuses while the group has members (admin/index.js 536-539);
 *   `admin.deleteGroups` rejects with KafkaJSDeleteGroupsError, `groups[].error.type`
 *   NON_EMPTY_GROUP / GROUP_ID_NOT_FOUND (admin/index.js 925-985, protocol/error.js 436-445);
 * - `producer.sendBatch` resolves once written; a test may hold it (`holdSends`).
 * Not modelled: rebalancing between several live members (one live member per group here; a
 * lingering dead member only blocks `setOffsets`/`deleteGroups`), retries, partitioning by key.
 */
import { EventEmitter } from 'node:events';

interface StoredRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  offset: string;
}

interface Group {
  /** Committed offsets: `${topic}:${partition}` → next offset to read. */
  committed: Map<string, number>;
  members: Set<FakeConsumer | 'lingering'>;
}

const toBuffer = (value: unknown): Buffer | null =>
  value === null || value === undefined
    ? null
    : Buffer.isBuffer(value)
      ? value
      : Buffer.from(String(value as string));

let eventId = 0;

/** The cluster the fake clients share. */
export class FakeCluster {
  readonly topics = new Map<string, StoredRecord[][]>();
  readonly groups = new Map<string, Group>();
  readonly adminCalls: Array<[string, unknown]> = [];
  readonly consumers = new Set<FakeConsumer>();
  private held?: Promise<void>;
  /** How many sendBatch calls have started and how many have settled. */
  readonly sends = { started: 0, settled: 0, log: [] as string[] };

  group(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) this.groups.set(groupId, (group = { committed: new Map(), members: new Set() }));
    return group;
  }

  append(
    topic: string,
    message: { key?: unknown; value?: unknown; headers?: Record<string, unknown> },
  ): void {
    const partitions = this.topics.get(topic);
    if (!partitions)
      throw Object.assign(new Error(`This server does not host this topic-partition`), {
        type: 'UNKNOWN_TOPIC_OR_PARTITION',
      });
    const log = partitions[0]; // one partition is enough for these specs
    log.push({
      key: toBuffer(message.key),
      value: toBuffer(message.value),
      headers: Object.fromEntries(
        Object.entries(message.headers ?? {}).map(([name, value]) => [name, toBuffer(value) as Buffer]),
      ),
      offset: String(log.length),
    });
  }

  /** A dead member (crashed within its session timeout) that the coordinator still counts. */
  linger(groupId: string): void {
    this.group(groupId).members.add('lingering');
  }

  /** Until `release()`, every sendBatch waits (a slow broker, or kafkajs retrying). */
  holdSends(): () => void {
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.held = undefined;
      release();
    };
  }

  async waitForHeldSend(): Promise<void> {
    return this.held;
  }

  /** What kafkajs's runner does on an error it cannot retry (coordinator not found, a TypeError…). */
  async crash(groupId: string, error: Error & { retriable?: boolean }): Promise<void> {
    for (const consumer of this.consumers)
      if (consumer.groupId === groupId && consumer.running) await consumer.crash(error);
  }
}

class FakeAdmin {
  constructor(private readonly cluster: FakeCluster) {}
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async describeCluster(): Promise<unknown> {
    return { brokers: [{ nodeId: 1, host: 'fake', port: 9092 }], controller: 1, clusterId: 'fake' };
  }
  async listTopics(): Promise<string[]> {
    return [...this.cluster.topics.keys()];
  }
  async createTopics({
    topics,
  }: {
    topics: Array<{ topic: string; numPartitions?: number }>;
  }): Promise<boolean> {
    this.cluster.adminCalls.push(['createTopics', topics.map((t) => t.topic)]);
    let created = false;
    for (const { topic, numPartitions = 1 } of topics)
      if (!this.cluster.topics.has(topic)) {
        this.cluster.topics.set(
          topic,
          Array.from({ length: numPartitions }, () => []),
        );
        created = true;
      }
    return created;
  }
  async deleteTopics({ topics }: { topics: string[] }): Promise<void> {
    this.cluster.adminCalls.push(['deleteTopics', topics]);
    for (const topic of topics) this.cluster.topics.delete(topic);
  }
  async fetchTopicOffsets(topic: string) {
    const partitions = this.cluster.topics.get(topic) ?? [];
    return partitions.map((log, partition) => ({
      partition,
      offset: String(log.length),
      high: String(log.length),
      low: '0',
    }));
  }
  async fetchOffsets({ groupId, topics }: { groupId: string; topics: string[] }) {
    const group = this.cluster.groups.get(groupId);
    return topics.map((topic) => ({
      topic,
      partitions: (this.cluster.topics.get(topic) ?? []).map((_, partition) => ({
        partition,
        offset: String(group?.committed.get(`${topic}:${partition}`) ?? -1),
        metadata: null,
      })),
    }));
  }
  async setOffsets({
    groupId,
    topic,
    partitions,
  }: {
    groupId: string;
    topic: string;
    partitions: Array<{ partition: number; offset: string }>;
  }): Promise<void> {
    const group = this.cluster.group(groupId);
    if (group.members.size > 0)
      throw new Error('The consumer group must have no running instances, current state: Stable');
    for (const { partition, offset } of partitions)
      group.committed.set(`${topic}:${partition}`, Number(offset));
  }
  async deleteGroups(groupIds: string[]) {
    this.cluster.adminCalls.push(['deleteGroups', groupIds]);
    const errors = groupIds.flatMap((groupId) => {
      const group = this.cluster.groups.get(groupId);
      if (!group) return [{ groupId, errorCode: 69, error: { type: 'GROUP_ID_NOT_FOUND' } }];
      if (group.members.size > 0) return [{ groupId, errorCode: 68, error: { type: 'NON_EMPTY_GROUP' } }];
      this.cluster.groups.delete(groupId);
      return [];
    });
    if (errors.length > 0)
      throw Object.assign(new Error('Error in DeleteGroups'), {
        name: 'KafkaJSDeleteGroupsError',
        groups: errors,
      });
    return groupIds.map((groupId) => ({ groupId, errorCode: 0 }));
  }
  async deleteTopicRecords(): Promise<void> {}
}

class FakeProducer {
  constructor(private readonly cluster: FakeCluster) {}
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async sendBatch({
    topicMessages,
  }: {
    topicMessages: Array<{
      topic: string;
      messages: Array<{ key?: unknown; value?: unknown; headers?: Record<string, unknown> }>;
    }>;
  }) {
    const { sends } = this.cluster;
    const id = ++sends.started;
    const keys = topicMessages.flatMap(({ messages }) => messages.map((m) => String(m.key)));
    sends.log.push(`start ${id}: ${keys.join(',')}`);
    // Headers are read as sendBatch is called (the instrumentation's own patch runs before this).
    const copies = topicMessages.map(({ topic, messages }) => ({
      topic,
      messages: messages.map((m) => ({ ...m, headers: { ...m.headers } })),
    }));
    await this.cluster.waitForHeldSend();
    for (const { topic, messages } of copies)
      for (const message of messages) this.cluster.append(topic, message);
    sends.settled += 1;
    sends.log.push(`settled ${id}`);
    return copies.map(({ topic }) => ({ topicName: topic, partition: 0, errorCode: 0 }));
  }
}

const consumerEvents = {
  GROUP_JOIN: 'consumer.group_join',
  CRASH: 'consumer.crash',
  // the rest of consumer/instrumentationEvents.js, unused here
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  STOP: 'consumer.stop',
} as const;

type EachMessage = (payload: {
  topic: string;
  partition: number;
  message: StoredRecord;
  heartbeat(): Promise<void>;
  pause(): () => void;
}) => Promise<void>;

class FakeConsumer {
  readonly events = consumerEvents;
  running = false;
  private readonly emitter = new EventEmitter();
  private topics: string[] = [];
  private fromBeginning = false;
  private readonly seeks = new Map<string, number>();
  private loop?: Promise<void>;

  constructor(
    private readonly cluster: FakeCluster,
    readonly groupId: string,
  ) {
    cluster.consumers.add(this);
  }

  on(
    type: string,
    listener: (event: { id: number; type: string; timestamp: number; payload: unknown }) => unknown,
  ) {
    const wrapped = (event: { id: number; type: string; timestamp: number; payload: unknown }) => {
      void Promise.resolve(listener(event)).catch(() => undefined);
    };
    this.emitter.on(type, wrapped);
    return () => this.emitter.off(type, wrapped);
  }

  private emit(type: string, payload: unknown): void {
    this.emitter.emit(type, { id: eventId++, type, timestamp: Date.now(), payload });
  }

  async connect(): Promise<void> {}

  async subscribe({
    topics,
    fromBeginning = false,
  }: {
    topics: string[];
    fromBeginning?: boolean;
  }): Promise<void> {
    for (const topic of topics)
      if (!this.cluster.topics.has(topic))
        throw new Error(`This server does not host this topic-partition: ${topic}`);
    this.topics = topics;
    this.fromBeginning = fromBeginning;
  }

  async run({ eachMessage }: { eachMessage: EachMessage }): Promise<void> {
    this.running = true;
    const group = this.cluster.group(this.groupId);
    group.members.add(this);
    setImmediate(() => {
      if (!this.running) return;
      const memberAssignment = Object.fromEntries(
        this.topics.map((topic) => [
          topic,
          (this.cluster.topics.get(topic) ?? []).map((_, partition) => partition),
        ]),
      );
      this.emit(this.events.GROUP_JOIN, {
        groupId: this.groupId,
        memberId: `m-${eventId}`,
        memberAssignment,
      });
      this.loop = this.fetchLoop(eachMessage);
    });
  }

  seek({ topic, partition, offset }: { topic: string; partition: number; offset: string }): void {
    if (!this.running)
      throw new Error('Consumer group was not initialized, consumer#run must be called first');
    this.seeks.set(`${topic}:${partition}`, Number(offset));
  }

  private async fetchLoop(eachMessage: EachMessage): Promise<void> {
    const group = this.cluster.group(this.groupId);
    while (this.running) {
      for (const [key, offset] of this.seeks) group.committed.set(key, offset); // autoCommit commits a seek
      this.seeks.clear();
      let delivered = false;
      for (const topic of this.topics)
        for (const [partition, log] of (this.cluster.topics.get(topic) ?? []).entries()) {
          const key = `${topic}:${partition}`;
          const next = group.committed.get(key) ?? (this.fromBeginning ? 0 : log.length);
          const message = log[next];
          if (!this.running || !message) continue;
          try {
            await eachMessage({
              topic,
              partition,
              message,
              heartbeat: async () => {},
              pause: () => () => {},
            });
          } catch (error) {
            void this.crash(error as Error);
            return;
          }
          group.committed.set(key, next + 1);
          delivered = true;
        }
      if (!delivered) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** consumer/index.js `onCrash`: disconnect, then CRASH with restart only for a retriable cause. */
  async crash(error: Error & { retriable?: boolean }): Promise<void> {
    await this.stop();
    const unrecoverable = ['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError'].includes(error.name);
    const restart =
      error.name === 'KafkaJSNumberOfRetriesExceeded' || (error.retriable === true && !unrecoverable);
    if (restart) throw new Error('the fake does not model kafkajs restarting a consumer itself');
    this.emit(this.events.CRASH, { error, groupId: this.groupId, restart });
  }

  private async stop(): Promise<void> {
    this.running = false;
    this.cluster.group(this.groupId).members.delete(this);
    await this.loop?.catch(() => undefined);
  }

  async disconnect(): Promise<void> {
    if (this.running) await this.stop();
    this.cluster.consumers.delete(this);
  }
}

/** Stands in for kafkajs's `Kafka`: `producer`/`consumer` on the prototype, as the instrumentation patches them. */
export class FakeKafka {
  constructor(readonly cluster: FakeCluster = new FakeCluster()) {}
  admin(): FakeAdmin {
    return new FakeAdmin(this.cluster);
  }
  producer(): FakeProducer {
    return new FakeProducer(this.cluster);
  }
  consumer({ groupId }: { groupId: string }): FakeConsumer {
    return new FakeConsumer(this.cluster, groupId);
  }
}

/** Puts `kafka` in place of the bus's kafkajs client (a private field, set in its constructor). */
export function useFakeKafka(bus: object, kafka: FakeKafka): FakeCluster {
  (bus as { kafka: unknown }).kafka = kafka;
  return kafka.cluster;
}
