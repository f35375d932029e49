import { Counter, Histogram, type Registry } from 'prom-client';
import { RoomFanout, type FanoutHandler } from '../room-fanout/room-fanout.port';

/** `room:{id}` → `room`: the channel's kind, a bounded label (never the id). */
const kindOf = (channel: string): string => {
  const colon = channel.indexOf(':');
  return colon < 0 ? 'other' : channel.slice(0, colon);
};

/**
 * The chosen RoomFanout, measured: `room_fanout_publish_duration_seconds{kind, outcome}` (how
 * long a publish takes to be accepted: Redis round trip, nothing in memory) and
 * `room_fanout_received_total{kind}` (payloads this instance received, before they are handed to
 * its sessions; one per payload, not per delivery). kind is `room` or `user`.
 */
export class MeteredRoomFanout extends RoomFanout {
  private readonly duration: Histogram<'kind' | 'outcome'>;
  private readonly received: Counter<'kind'>;

  constructor(
    private readonly fanout: RoomFanout,
    registry: Registry,
  ) {
    super();
    this.duration = new Histogram({
      name: 'room_fanout_publish_duration_seconds',
      help: 'Time for the fan-out to accept one published payload, by channel kind (room, user) and outcome',
      labelNames: ['kind', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    this.received = new Counter({
      name: 'room_fanout_received_total',
      help: 'Payloads this instance received from the fan-out, by channel kind (room, user)',
      labelNames: ['kind'],
      registers: [registry],
    });
  }

  async publish(channel: string, payload: string): Promise<void> {
    const end = this.duration.startTimer({ kind: kindOf(channel) });
    try {
      await this.fanout.publish(channel, payload);
      end({ outcome: 'ok' });
    } catch (error) {
      end({ outcome: 'failed' });
      throw error;
    }
  }

  subscribe(channel: string): Promise<void> {
    return this.fanout.subscribe(channel);
  }

  unsubscribe(channel: string): Promise<void> {
    return this.fanout.unsubscribe(channel);
  }

  onMessage(handler: FanoutHandler): void {
    this.fanout.onMessage((channel, payload) => {
      this.received.inc({ kind: kindOf(channel) });
      handler(channel, payload);
    });
  }

  override onResumed(handler: () => void): void {
    this.fanout.onResumed(handler);
  }

  close(): Promise<void> {
    return this.fanout.close();
  }

  override ping(): Promise<void> {
    return this.fanout.ping();
  }
}
