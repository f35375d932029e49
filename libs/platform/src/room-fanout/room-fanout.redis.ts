import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { closeRedis, connectingWhereMade, pingNow } from '../redis/client-state.redis';
import { RoomFanout, type FanoutHandler } from './room-fanout.port';

/**
 * RoomFanout on Redis pub/sub: one connection publishes, one (in subscriber mode) receives
 * the channels this instance has local subscribers for. Redis delivers one publisher's
 * messages on a channel in order, to every connection subscribed at that moment.
 *
 * Subscriptions are reference-counted per channel: Redis is told on the first `subscribe`
 * and the last `unsubscribe` only. Commands on the subscriber connection run in the order
 * they are sent, so an unsubscribe followed by a subscribe leaves the channel subscribed.
 * After a reconnect ioredis subscribes to the same channels again (messages sent while
 * disconnected are lost: the port promises at-most-once), then `onResumed` handlers run.
 */
export class RedisRoomFanout extends RoomFanout {
  private readonly logger = new Logger(RedisRoomFanout.name);
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channels = new Map<string, { count: number; confirmed: Promise<unknown> }>();
  private handler: FanoutHandler = () => undefined;
  private readonly resumeHandlers: (() => void)[] = [];
  private closed = false;

  constructor(redisUrl: string) {
    super();
    // Lazy: an instance that never publishes or subscribes opens no connection.
    this.publisher = connectingWhereMade(new Redis(redisUrl, { lazyConnect: true }));
    this.subscriber = connectingWhereMade(new Redis(redisUrl, { lazyConnect: true }));
    for (const [role, client] of [
      ['publisher', this.publisher],
      ['subscriber', this.subscriber],
    ] as const) {
      client.on('error', (error: Error) => this.logger.warn(`Redis ${role} connection: ${error.message}`));
    }
    this.subscriber.on('message', (channel: string, payload: string) => this.deliver(channel, payload));
    let connectedBefore = false;
    this.subscriber.on('ready', () => {
      if (connectedBefore) void this.resumed();
      connectedBefore = true;
    });
  }

  override onResumed(handler: () => void): void {
    this.resumeHandlers.push(handler);
  }

  /** After a reconnect: once ioredis has subscribed again (a PING queued behind those SUBSCRIBEs answers), catch up. */
  private async resumed(): Promise<void> {
    try {
      await this.subscriber.ping();
    } catch {
      return; // cut off again: the next 'ready' tries anew
    }
    this.logger.warn(
      'Redis fan-out is back: what was published while it was away is caught up from the store',
    );
    for (const handler of this.resumeHandlers) handler();
  }

  async publish(channel: string, payload: string): Promise<void> {
    this.assertOpen();
    await this.publisher.publish(channel, payload);
  }

  async subscribe(channel: string): Promise<void> {
    this.assertOpen();
    const current = this.channels.get(channel);
    if (current) {
      current.count++;
      await current.confirmed;
      return;
    }
    const entry = { count: 1, confirmed: this.subscriber.subscribe(channel) };
    this.channels.set(channel, entry);
    try {
      await entry.confirmed;
    } catch (error) {
      if (this.channels.get(channel) === entry) this.channels.delete(channel);
      throw error;
    }
  }

  async unsubscribe(channel: string): Promise<void> {
    const current = this.channels.get(channel);
    if (!current) return;
    if (--current.count > 0) return;
    this.channels.delete(channel);
    if (!this.closed) await this.subscriber.unsubscribe(channel);
  }

  onMessage(handler: FanoutHandler): void {
    this.handler = handler;
  }

  override async ping(): Promise<void> {
    await pingNow(this.publisher);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    // Quits politely (pending replies first) while connected; a connection never opened, broken
    // or reconnecting is just dropped, so closing never waits on a dead Redis.
    await Promise.all([this.publisher, this.subscriber].map((client) => closeRedis(client)));
  }

  private deliver(channel: string, payload: string): void {
    if (!this.channels.has(channel)) return;
    try {
      this.handler(channel, payload);
    } catch (error) {
      this.logger.error(`fanout handler failed on ${channel}: ${String(error)}`);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('RedisRoomFanout is closed');
  }
}
