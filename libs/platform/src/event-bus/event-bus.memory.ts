// Single process only; use the Kafka adapter (event-bus.kafka.ts) for a cluster. Events live in memory and are lost on exit.
import type { EventTopics, TopicName } from '@playlist-chat/contracts';
import { KeyedSerialQueue } from '../concurrency/keyed-serial-queue';
import { SystemClock, type Clock } from '../time/clock';
import {
  deadLetterTopic,
  EventBus,
  type ConsumerLag,
  type DeadLetterInfo,
  type DeliveryInfo,
  type EventHandler,
  type EventSubscription,
  type DeadLetterFilter,
  type SubscribeOptions,
} from './event-bus.port';
import { consumeSpan, publishSpan } from '../telemetry/trace-context';
import { errorMessage, retryDelayMs, type RetryPolicy } from './retry-policy';

/** One published event as the log holds it: serialized, so handlers never share (or mutate) the publisher's object. */
interface LoggedEvent {
  readonly key: string;
  readonly json: string;
  readonly deadLetter?: DeadLetterInfo;
  /** The publisher's trace context (`traceparent`), empty when tracing is off. */
  readonly trace?: Readonly<Record<string, string>>;
}

/** One `subscribe` call: a member of its group. */
class Member {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(readonly handler: EventHandler<unknown>) {}

  handle(event: unknown, info: DeliveryInfo): Promise<void> {
    const running = this.handler(event, info);
    const tracked = running.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(tracked);
    void tracked.then(() => this.inFlight.delete(tracked));
    return running;
  }

  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}

/**
 * A consumer group on one topic: its own per-key queues (so one group never waits for
 * another) and its members, which take deliveries in turn.
 */
class Group {
  private readonly members: Member[] = [];
  private turn = 0;
  private readonly queue = new KeyedSerialQueue();
  private readonly waitingForMember: Array<(member: Member | undefined) => void> = [];

  constructor(
    private readonly topic: string,
    readonly name: string,
    private readonly bus: InMemoryEventBus,
  ) {}

  join(member: Member): void {
    this.members.push(member);
    for (const wake of this.waitingForMember.splice(0)) wake(this.nextMember());
  }

  get isEmpty(): boolean {
    return this.members.length === 0;
  }

  leave(member: Member): void {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
  }

  /** Events queued for the group or being handled: its backlog. */
  backlog = 0;

  enqueue(event: LoggedEvent): void {
    this.backlog += 1;
    void this.queue.run(event.key, () => this.deliver(event)).finally(() => (this.backlog -= 1));
  }

  /** Wakes every delivery waiting for a member, with nothing to deliver to: the bus is closing. */
  abandon(): void {
    for (const wake of this.waitingForMember.splice(0)) wake(undefined);
  }

  private nextMember(): Member | undefined {
    if (this.members.length === 0) return undefined;
    this.turn = (this.turn + 1) % this.members.length;
    return this.members[this.turn];
  }

  /** Events wait in the group while it has no member, as they would in a Kafka consumer group. */
  private memberOrWait(): Promise<Member | undefined> {
    if (this.bus.isClosed) return Promise.resolve(undefined);
    const member = this.nextMember();
    if (member) return Promise.resolve(member);
    return new Promise((resolve) => this.waitingForMember.push(resolve));
  }

  private deliver(event: LoggedEvent): Promise<void> {
    return consumeSpan('memory', this.topic, this.name, event.trace ?? {}, () => this.attempts(event));
  }

  private async attempts(event: LoggedEvent): Promise<void> {
    const policy = this.bus.retryPolicy;
    for (let attempt = 1; ; attempt++) {
      const member = await this.memberOrWait();
      if (!member) return;
      const info: DeliveryInfo = {
        topic: this.topic,
        key: event.key,
        attempt,
        ...(event.deadLetter ? { deadLetter: event.deadLetter } : {}),
      };
      try {
        await member.handle(JSON.parse(event.json) as unknown, info);
        return;
      } catch (error) {
        if (attempt >= policy.maxAttempts) {
          this.bus.park(this.topic, this.name, event, error, attempt);
          return;
        }
        if (!(await this.bus.pause(retryDelayMs(policy, attempt)))) return;
      }
    }
  }

  settled(): Promise<void[]> {
    return Promise.all(this.members.map((member) => member.settled()));
  }
}

/**
 * The EventBus in process memory, with every guarantee of the port: groups, per-key order
 * (the next event of a key waits for the previous one, per group), retries with exponential
 * backoff, then `${topic}.dlq`, from which `replayDeadLetters` moves events back.
 *
 * Only groups that exist when an event is published receive it (a new group starts at the
 * end of the log, as the Kafka adapter does). Events already queued for a group wait while
 * the group has no member, and go to the next member that subscribes.
 */
export class InMemoryEventBus extends EventBus {
  private readonly topics = new Map<string, Map<string, Group>>();
  /** Parked events by original topic, with the group that gave up on each, waiting for `replayDeadLetters`. */
  private readonly parked = new Map<string, Array<LoggedEvent & { readonly group: string }>>();
  private readonly pauses = new Set<{ timer: NodeJS.Timeout; resume: (resumed: boolean) => void }>();
  private closed = false;

  constructor(
    readonly retryPolicy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200 },
    private readonly clock: Clock = new SystemClock(),
  ) {
    super();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async publish<T extends TopicName>(topic: T, key: string, event: EventTopics[T]): Promise<void> {
    this.assertOpen();
    await publishSpan('memory', topic, async (trace) =>
      this.append(topic, { key, json: JSON.stringify(event), trace }),
    );
  }

  async subscribe<T extends TopicName>(
    topic: T,
    group: string,
    handler: EventHandler<EventTopics[T]>,
    options: SubscribeOptions = {},
  ): Promise<EventSubscription> {
    this.assertOpen();
    const groups = this.topics.get(topic) ?? new Map<string, Group>();
    this.topics.set(topic, groups);
    const lane = groups.get(group) ?? new Group(topic, group, this);
    groups.set(group, lane);
    const member = new Member(handler as EventHandler<unknown>);
    lane.join(member);
    let open = true;
    return {
      close: async () => {
        if (!open) return;
        open = false;
        lane.leave(member);
        await member.settled();
        // A broadcast group of one instance goes with it (a new one starts at the end anyway).
        if (options.perInstance && lane.isEmpty && groups.get(group) === lane) groups.delete(group);
      },
    };
  }

  async replayDeadLetters(topic: TopicName, filter: DeadLetterFilter = {}): Promise<number> {
    this.assertOpen();
    const parked = this.parked.get(topic) ?? [];
    const limit = filter.limit ?? Number.POSITIVE_INFINITY;
    const events: typeof parked = [];
    const kept: typeof parked = [];
    for (const event of parked)
      (events.length < limit && (filter.group === undefined || event.group === filter.group)
        ? events
        : kept
      ).push(event);
    if (kept.length > 0) this.parked.set(topic, kept);
    else this.parked.delete(topic);
    // Back to the group that failed each one only: the others handled it already.
    for (const event of events)
      this.topics.get(topic)?.get(event.group)?.enqueue({ key: event.key, json: event.json });
    return events.length;
  }

  override async consumerLag(): Promise<ConsumerLag[]> {
    return [...this.topics].flatMap(([topic, groups]) =>
      [...groups.values()].map((group) => ({ topic, group: group.name, lag: group.backlog })),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pause of this.pauses) {
      clearTimeout(pause.timer);
      pause.resume(false);
    }
    this.pauses.clear();
    const groups = [...this.topics.values()].flatMap((byName) => [...byName.values()]);
    for (const group of groups) group.abandon();
    await Promise.all(groups.map((group) => group.settled()));
    this.topics.clear();
    this.parked.clear();
  }

  /** Called by a group whose handler gave up: keeps the event for replay and publishes it to the dead-letter topic. */
  park(topic: string, group: string, event: LoggedEvent, error: unknown, attempts: number): void {
    const deadLetter: DeadLetterInfo = {
      originalTopic: topic,
      group,
      error: errorMessage(error),
      attempts,
      failedAt: this.clock.now().toISOString(),
    };
    const parked = this.parked.get(topic) ?? [];
    parked.push({ key: event.key, json: event.json, group });
    this.parked.set(topic, parked);
    this.append(deadLetterTopic(topic), { key: event.key, json: event.json, deadLetter });
  }

  /** Waits before a retry; resolves false at once when the bus closes. The timer does not keep the process alive. */
  pause(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const pause = {
        timer: setTimeout(() => {
          this.pauses.delete(pause);
          resolve(true);
        }, ms),
        resume: resolve,
      };
      pause.timer.unref();
      this.pauses.add(pause);
    });
  }

  private append(topic: string, event: LoggedEvent): void {
    for (const group of this.topics.get(topic)?.values() ?? []) group.enqueue(event);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('InMemoryEventBus is closed');
  }
}

let shared: InMemoryEventBus | undefined;

/**
 * The process-wide bus that every Nest app of a single-node process uses, so that the chat
 * server, presence server and gateway started in one process talk to each other as they
 * would over Kafka. The first call creates it with its retry policy (later calls' policies
 * are ignored); after `close()` the next call creates a fresh one.
 */
export function sharedInMemoryEventBus(retryPolicy?: RetryPolicy): InMemoryEventBus {
  if (!shared || shared.isClosed) shared = new InMemoryEventBus(retryPolicy);
  return shared;
}
