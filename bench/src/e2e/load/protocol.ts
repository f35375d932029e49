import type { Outgoing } from '../targets/target';

/** One subscriber a worker runs: a member on its own connection, subscribed to one room. */
export interface SubscriberSpec {
  readonly connectHeaders: Record<string, string>;
  readonly destination: string;
  readonly join: Outgoing | null;
}

export type WorkerCommand =
  | { type: 'open'; wsUrl: string; protocols: readonly string[]; subscribers: SubscriberSpec[] }
  | { type: 'join' }
  | { type: 'subscribe' }
  | { type: 'reset' }
  | { type: 'stats' }
  | { type: 'close' };

export interface WorkerStats {
  /** MESSAGE frames carrying a bench line, repeats included. */
  delivered: number;
  /** First deliveries of a line to a subscriber. */
  unique: number;
  duplicates: number;
  outOfOrder: number;
  /** Other MESSAGE frames (ENTER, PRESENCE…). */
  other: number;
  errors: number;
  firstError: string | null;
  /** Connections closed by the server. */
  dropped: number;
  latency: { counts: number[]; max: number };
  cpuMs: number;
  wallMs: number;
  /** p99 of this worker's event-loop delay, ms: high means the generator itself was the bottleneck. */
  loopDelayP99Ms: number;
}

export type WorkerReply =
  | { type: 'done'; ms: number; failed: number; firstError: string | null }
  | { type: 'stats'; stats: WorkerStats };
