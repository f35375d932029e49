// Single process only; use the Redis adapter (room-fanout.redis.ts) for a cluster.
import { Logger } from '@nestjs/common';
import { RoomFanout, type FanoutHandler } from './room-fanout.port';

/**
 * What Redis pub/sub is to the Redis adapter: the process-wide switchboard that connects the
 * in-memory fanout instances. Each chat-server app holds its own `InMemoryRoomFanout`
 * (its own handler and subscriptions) on the one shared hub.
 */
export class InMemoryFanoutHub {
  private readonly listeners = new Map<string, Set<InMemoryRoomFanout>>();

  publish(channel: string, payload: string): void {
    for (const instance of this.listeners.get(channel) ?? []) {
      // Delivered after the publisher's call returns, in publish order (microtasks run first in, first out).
      queueMicrotask(() => instance.deliver(channel, payload));
    }
  }

  listen(channel: string, instance: InMemoryRoomFanout): void {
    const instances = this.listeners.get(channel) ?? new Set<InMemoryRoomFanout>();
    instances.add(instance);
    this.listeners.set(channel, instances);
  }

  unlisten(channel: string, instance: InMemoryRoomFanout): void {
    const instances = this.listeners.get(channel);
    instances?.delete(instance);
    if (instances?.size === 0) this.listeners.delete(channel);
  }
}

let sharedHub: InMemoryFanoutHub | undefined;

/** The hub every in-memory fanout of this process joins by default, so all the apps of a single-node process reach each other. */
export function sharedInMemoryFanoutHub(): InMemoryFanoutHub {
  sharedHub ??= new InMemoryFanoutHub();
  return sharedHub;
}

/** One instance's fanout on an in-process hub: same guarantees as the port, without a network. */
export class InMemoryRoomFanout extends RoomFanout {
  private readonly logger = new Logger(InMemoryRoomFanout.name);
  private readonly subscriptions = new Map<string, number>();
  private handler: FanoutHandler = () => undefined;
  private closed = false;

  constructor(private readonly hub: InMemoryFanoutHub = sharedInMemoryFanoutHub()) {
    super();
  }

  async publish(channel: string, payload: string): Promise<void> {
    if (this.closed) throw new Error('InMemoryRoomFanout is closed');
    this.hub.publish(channel, payload);
  }

  async subscribe(channel: string): Promise<void> {
    if (this.closed) throw new Error('InMemoryRoomFanout is closed');
    const count = this.subscriptions.get(channel) ?? 0;
    this.subscriptions.set(channel, count + 1);
    if (count === 0) this.hub.listen(channel, this);
  }

  async unsubscribe(channel: string): Promise<void> {
    const count = this.subscriptions.get(channel) ?? 0;
    if (count > 1) {
      this.subscriptions.set(channel, count - 1);
    } else if (count === 1) {
      this.subscriptions.delete(channel);
      this.hub.unlisten(channel, this);
    }
  }

  onMessage(handler: FanoutHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const channel of this.subscriptions.keys()) this.hub.unlisten(channel, this);
    this.subscriptions.clear();
  }

  /** Called by the hub. */
  deliver(channel: string, payload: string): void {
    if (!this.subscriptions.has(channel)) return;
    try {
      this.handler(channel, payload);
    } catch (error) {
      this.logger.error(`fanout handler failed on ${channel}: ${String(error)}`);
    }
  }
}
