// Redis Streams: for small clusters and teams that run Redis and no Kafka. Durable as far as the
// Redis server is (AOF with appendfsync everysec or always); streams are trimmed to EVENT_STREAM_MAX_LEN.
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { EventTopics, TopicName } from '@playlist-chat/contracts';
import { Redis } from 'ioredis';
import { KeyedSerialQueue } from '../concurrency/keyed-serial-queue';
import {
  connectingWhereMade,
  pingNow,
  REDIS_STOP_WAIT_MS,
  whileConnected,
} from '../redis/client-state.redis';
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
import { errorMessage, retryDelayMs, type RetryPolicy } from './retry-policy';

export interface RedisEventBusOptions {
  readonly redisUrl: string;
  readonly retryPolicy: RetryPolicy;
  /** Keys of this bus start with it, so several buses (tests, tenants) share one Redis apart. */
  readonly keyPrefix?: string;
  /** Entries a stream keeps (approximately): older ones are trimmed on publish. */
  readonly maxStreamLength?: number;
  /** How long a group's active reader holds its lease without renewing it; another takes over after. */
  readonly leaseMs?: number;
  /** How long one blocking read waits for new entries before looking at the lease and closing again. */
  readonly blockMs?: number;
}

type Fields = Record<string, string>;

/** Which parked events an operator means: one group's (or all), the oldest `limit`. */
type StreamEntry = [id: string, fields: string[]];

const RELEASE_LEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW_LEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** Entries read into memory at once per group; the next read waits until fewer are in hand. */
const BATCH = 100;

/** A flat Redis reply [name, value, name, value, …] (a stream entry, an `XINFO` record) as a record. */
const fieldsOf = <V>(flat: readonly V[]): Record<string, V> => {
  const fields: Record<string, V> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) fields[String(flat[index])] = flat[index + 1];
  return fields;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * EventBus on Redis Streams. A topic is a stream; a group is a Redis consumer group on it (and on
 * the group's own replay stream), so every group gets every event and a group is (topic, group)
 * as on every adapter. Per-key order within a group: exactly one instance reads a group at a time
 * (a lease it renews; a standby takes over within `leaseMs` when it dies, first claiming what the
 * dead one left unacknowledged), and it runs each key's events one after another, different keys
 * concurrently. An entry is acknowledged once its handler succeeded or it was parked: a failing
 * handler is retried with backoff, then the event goes to `deadLetterTopic(topic)` with the group,
 * the error and the attempts. `replayDeadLetters` puts parked events back for their group only.
 */
export class RedisEventBus extends EventBus {
  private readonly logger = new Logger('RedisEventBus');
  private readonly client: Redis;
  private readonly readers = new Map<string, GroupReader>();
  private readonly consumerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private closed = false;

  constructor(private readonly options: RedisEventBusOptions) {
    super();
    this.client = connectingWhereMade(
      new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 }),
    );
    this.client.on('error', (error) => this.logger.debug(`redis: ${error.message}`));
  }

  streamKey(topic: string): string {
    return `${this.options.keyPrefix ?? 'bus'}:${topic}`;
  }

  async publish<T extends TopicName>(topic: T, key: string, event: EventTopics[T]): Promise<void> {
    // The trace context travels as the entry's `traceparent` (and `tracestate`) fields.
    await publishSpan('redis', topic, (trace) =>
      this.append(topic, { key, event: JSON.stringify(event), ...trace }),
    );
  }

  async subscribe<T extends TopicName>(
    topic: T,
    group: string,
    handler: EventHandler<EventTopics[T]>,
    options: SubscribeOptions = {},
  ): Promise<EventSubscription> {
    if (this.closed) throw new Error('event bus is closed');
    const id = `${topic}\u0000${group}`;
    let reader = this.readers.get(id);
    if (!reader) {
      reader = new GroupReader(this, topic, group, this.consumerId, this.options, this.logger, options);
      this.readers.set(id, reader);
      await reader.start();
    }
    const member = handler as EventHandler<unknown>;
    reader.members.push(member);
    const owner = reader;
    return {
      close: async () => {
        const index = owner.members.indexOf(member);
        if (index >= 0) owner.members.splice(index, 1);
        if (owner.members.length === 0 && this.readers.get(id) === owner) {
          this.readers.delete(id);
          await owner.stop();
          if (options.perInstance) await owner.destroy();
        }
      },
    };
  }

  /**
   * From `XINFO GROUPS` of each stream a group here reads (the topic and its replay stream):
   * `lag` (entries not yet delivered to the group, Redis 7) plus `pending` (delivered, not yet
   * acknowledged). A group whose lag Redis cannot tell (null after deletions in the stream) is
   * left out rather than guessed.
   */
  override async consumerLag(): Promise<ConsumerLag[]> {
    const lags: ConsumerLag[] = [];
    for (const reader of this.readers.values()) {
      let total = 0;
      for (const stream of reader.streams) {
        const groups = (await this.commands.xinfo('GROUPS', stream)) as unknown[][];
        const mine = groups.map(fieldsOf).find((fields) => fields.name === reader.group);
        if (!mine) continue;
        if (typeof mine.lag !== 'number') {
          total = Number.NaN;
          break;
        }
        total += mine.lag + Number(mine.pending ?? 0);
      }
      if (!Number.isNaN(total)) lags.push({ topic: reader.topic, group: reader.group, lag: total });
    }
    return lags;
  }

  /**
   * Moves parked events of `topic` back to the group that failed each (its replay stream), oldest
   * first: all of them, or only `group`'s, at most `limit`; returns how many.
   */
  async replayDeadLetters(topic: TopicName, filter: DeadLetterFilter = {}): Promise<number> {
    let moved = 0;
    for (const parked of await this.deadLetters(topic, filter)) {
      await this.append(replayTopic(topic, parked.group), { key: parked.key, event: parked.event });
      await this.client.xdel(this.streamKey(deadLetterTopic(topic)), parked.id);
      moved += 1;
    }
    return moved;
  }

  /** Parked events of `topic`, oldest first: all, or only `group`'s, at most `limit` (operators' `npm run dlt -- list`). */
  async deadLetters(topic: TopicName, filter: DeadLetterFilter = {}): Promise<ParkedEvent[]> {
    const dlq = this.streamKey(deadLetterTopic(topic));
    await this.ready();
    const limit = filter.limit ?? Number.POSITIVE_INFINITY;
    const found: ParkedEvent[] = [];
    let from = '-';
    while (found.length < limit) {
      const entries = (await this.client.xrange(dlq, from, '+', 'COUNT', BATCH)) as StreamEntry[];
      if (entries.length === 0) break;
      for (const [id, flat] of entries) {
        const fields = fieldsOf(flat);
        if (filter.group !== undefined && fields.group !== filter.group) continue;
        found.push({
          id,
          key: fields.key,
          event: fields.event,
          ...deadLetterInfoOf(fields),
          group: fields.group ?? '',
        });
        if (found.length >= limit) break;
      }
      from = `(${entries[entries.length - 1][0]}`; // exclusive: after the last one read
    }
    return found;
  }

  override async ping(): Promise<void> {
    await pingNow(this.client);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const readers = [...this.readers.values()];
    this.readers.clear();
    await Promise.allSettled(readers.map((reader) => reader.stop()));
    this.client.disconnect();
  }

  /** XADD with approximate trimming; resolves once Redis has the entry. */
  async append(topic: string, fields: Fields): Promise<string> {
    if (this.closed) throw new Error('event bus is closed');
    await this.ready();
    const args = Object.entries(fields).flat();
    const id = await this.client.xadd(
      this.streamKey(topic),
      'MAXLEN',
      '~',
      String(this.options.maxStreamLength ?? 100_000),
      '*',
      ...args,
    );
    return id!;
  }

  /** A connection of its own for blocking reads (a blocked connection serves nobody else). */
  connection(): Redis {
    const connection = this.client.duplicate({ lazyConnect: false, maxRetriesPerRequest: null });
    connection.on('error', (error) => this.logger.debug(`redis reader: ${error.message}`));
    return connection;
  }

  get commands(): Redis {
    return this.client;
  }

  private async ready(): Promise<void> {
    if (this.client.status === 'wait') await this.client.connect();
  }
}

/** Where parked events of one group go back to: a stream only that group reads. */
const replayTopic = (topic: string, group: string): string => `${topic}.replay.${group}`;

/** The one reader of (topic, group) in this process: holds the lease while active, hands events to members. */
class GroupReader {
  readonly members: EventHandler<unknown>[] = [];
  private readonly queue = new KeyedSerialQueue();
  /** The topic's stream and the group's replay stream. */
  readonly streams: string[];
  private readonly leaseKey: string;
  private readonly leaseMs: number;
  private connection: Redis | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private leased = false;
  /** Entries handed to the key queues and not yet acknowledged. */
  private readonly inHand = new Set<string>();
  private turn = 0;

  constructor(
    private readonly bus: RedisEventBus,
    readonly topic: string,
    readonly group: string,
    private readonly consumer: string,
    private readonly options: RedisEventBusOptions,
    private readonly logger: Logger,
    private readonly subscribeOptions: SubscribeOptions = {},
  ) {
    this.streams = [bus.streamKey(topic), bus.streamKey(replayTopic(topic, group))];
    this.leaseKey = `${bus.streamKey(topic)}:lease:${group}`;
    this.leaseMs = options.leaseMs ?? 5_000;
  }

  /**
   * Creates the group where it does not exist yet, starting at the end: a new group sees only
   * what comes next. A per-instance group that exists (the instance restarted) moves to the end.
   */
  async start(): Promise<void> {
    const redis = this.bus.commands;
    if (redis.status === 'wait') await redis.connect();
    for (const stream of this.streams) {
      try {
        await redis.xgroup('CREATE', stream, this.group, '$', 'MKSTREAM');
      } catch (error) {
        if (!errorMessage(error).startsWith('BUSYGROUP')) throw error;
        if (this.subscribeOptions.perInstance) await redis.xgroup('SETID', stream, this.group, '$');
      }
    }
    this.connection = this.bus.connection();
    this.running = this.loop();
  }

  /** Removes a per-instance group (and its replay stream) once its instance stopped reading it. */
  async destroy(): Promise<void> {
    const redis = this.bus.commands;
    try {
      await whileConnected(redis, async () => {
        for (const stream of this.streams) await redis.xgroup('DESTROY', stream, this.group);
        await redis.del(this.streams[1], this.leaseKey);
      });
    } catch (error) {
      this.logger.warn(`removing group ${this.group} of ${this.topic} failed: ${errorMessage(error)}`);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const redis = this.bus.commands;
    const connected = this.connection?.status === 'ready' && redis.status === 'ready';
    this.connection?.disconnect();
    // Connected, the loop ends once its read is cut off (bounded all the same: Redis may stop
    // answering without closing). While Redis is unreachable, what the loop waits for is queued
    // until a reconnect, and a read on the disconnected reader connection never settles (ioredis
    // keeps it queued once its reconnect timer is cleared): not waited for, so stopping never
    // hangs on an outage. Handlers in progress still finish.
    if (connected) await Promise.race([this.running, sleep(REDIS_STOP_WAIT_MS)]);
    await this.queue.drain();
    await whileConnected(redis, () => redis.eval(RELEASE_LEASE, 1, this.leaseKey, this.consumer)).catch(
      () => undefined, // unreleased (Redis down or slow), the lease runs out by itself
    );
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!(await this.holdLease())) {
          this.leased = false;
          await sleep(Math.max(50, this.leaseMs / 3));
          continue;
        }
        if (!this.leased) {
          // Just took the group over: what the previous reader held unacknowledged comes first.
          this.leased = true;
          await this.claimAbandoned();
        }
        await this.readNew();
      } catch (error) {
        if (this.stopping) return;
        this.logger.warn(`reading ${this.topic} for ${this.group} failed: ${errorMessage(error)}`);
        if (errorMessage(error).startsWith('NOGROUP')) await this.recreateGroups();
        else await sleep(200);
      }
    }
  }

  /**
   * Redis came back without the group (a restart without AOF, a flush): reading would fail with
   * NOGROUP forever. The group is made again at the start of what the stream holds now, which
   * after a loss of data is what was published since; an existing group is left as it is.
   */
  private async recreateGroups(): Promise<void> {
    for (const stream of this.streams) {
      try {
        await this.bus.commands.xgroup('CREATE', stream, this.group, '0', 'MKSTREAM');
        this.logger.warn(`group ${this.group} of ${this.topic} was gone from Redis: made again`);
      } catch (error) {
        if (!errorMessage(error).startsWith('BUSYGROUP')) {
          this.logger.warn(
            `making group ${this.group} of ${this.topic} again failed: ${errorMessage(error)}`,
          );
          await sleep(200);
          return;
        }
      }
    }
  }

  /** Takes the lease when free, renews it when ours; false while another instance reads this group. */
  private async holdLease(): Promise<boolean> {
    const redis = this.bus.commands;
    const renewed = await redis.eval(RENEW_LEASE, 1, this.leaseKey, this.consumer, String(this.leaseMs));
    if (renewed === 1) return true;
    return (await redis.set(this.leaseKey, this.consumer, 'PX', this.leaseMs, 'NX')) === 'OK';
  }

  /** Entries a previous reader took but never acknowledged (it died): ours now, in order, before anything new. */
  private async claimAbandoned(): Promise<void> {
    for (const stream of this.streams) {
      let cursor = '0-0';
      do {
        const [next, entries] = (await this.bus.commands.xautoclaim(
          stream,
          this.group,
          this.consumer,
          0,
          cursor,
          'COUNT',
          BATCH,
        )) as [string, StreamEntry[], string[]];
        for (const [id, flat] of entries) this.hand(stream, id, fieldsOf(flat), 2);
        cursor = next;
      } while (cursor !== '0-0' && !this.stopping);
    }
  }

  private async readNew(): Promise<void> {
    while (this.inHand.size >= BATCH && !this.stopping) await sleep(5);
    const blockMs = this.options.blockMs ?? Math.min(1_000, this.leaseMs / 3);
    const result = (await this.connection!.xreadgroup(
      'GROUP',
      this.group,
      this.consumer,
      'COUNT',
      BATCH,
      'BLOCK',
      Math.max(1, Math.floor(blockMs)),
      'STREAMS',
      ...this.streams,
      ...this.streams.map(() => '>'),
    )) as [string, StreamEntry[]][] | null;
    for (const [stream, entries] of result ?? [])
      for (const [id, flat] of entries) this.hand(stream, id, fieldsOf(flat), 1);
  }

  /** Queues the entry behind its key's earlier events; acknowledges it once handled or parked. */
  private hand(stream: string, id: string, fields: Fields, firstAttempt: number): void {
    if (this.inHand.has(id)) return;
    this.inHand.add(id);
    void this.queue
      .run(fields.key ?? '', async () => {
        await this.deliver(fields, firstAttempt);
        await this.bus.commands.xack(stream, this.group, id);
      })
      .catch((error: unknown) => this.logger.error(`event ${id} on ${this.topic}: ${errorMessage(error)}`))
      .finally(() => this.inHand.delete(id));
  }

  private deliver(fields: Fields, firstAttempt: number): Promise<void> {
    return consumeSpan('redis', this.topic, this.group, fields, () => this.attempts(fields, firstAttempt));
  }

  private async attempts(fields: Fields, firstAttempt: number): Promise<void> {
    const event: unknown = JSON.parse(fields.event);
    const deadLetter = fields.originalTopic ? deadLetterInfoOf(fields) : undefined;
    const policy = this.options.retryPolicy;
    let lastError = '';
    for (let attempt = firstAttempt; attempt <= Math.max(firstAttempt, policy.maxAttempts); attempt++) {
      const member = this.nextMember();
      if (!member) return; // stopping with no member left: unacknowledged, the next reader gets it
      const info: DeliveryInfo = {
        topic: this.topic,
        key: fields.key,
        attempt,
        ...(deadLetter && { deadLetter }),
      };
      try {
        await member(event, info);
        return;
      } catch (error) {
        lastError = errorMessage(error);
        if (attempt < policy.maxAttempts) await sleep(retryDelayMs(policy, attempt));
      }
    }
    await this.bus.append(deadLetterTopic(this.topic), {
      key: fields.key,
      event: fields.event,
      originalTopic: this.topic,
      group: this.group,
      error: lastError,
      attempts: String(Math.max(firstAttempt, policy.maxAttempts)),
      failedAt: new Date().toISOString(),
    });
  }

  private nextMember(): EventHandler<unknown> | undefined {
    if (this.members.length === 0) return undefined;
    this.turn = (this.turn + 1) % this.members.length;
    return this.members[this.turn];
  }
}

function deadLetterInfoOf(fields: Fields): DeadLetterInfo {
  return {
    originalTopic: fields.originalTopic,
    group: fields.group,
    error: fields.error,
    attempts: Number(fields.attempts),
    failedAt: fields.failedAt,
  };
}
