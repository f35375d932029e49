import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Histogram } from '../histogram';
import type { SubscriberSpec, WorkerCommand, WorkerReply, WorkerStats } from './protocol';

/**
 * Subscribers per worker process: on a 2-core box more processes only add switching; a worker
 * reads a delivery in about a microsecond, so one keeps up with tens of thousands a second.
 */
const PER_WORKER = 1000;
const MAX_WORKERS = 4;

export interface PoolStats extends Omit<WorkerStats, 'latency' | 'loopDelayP99Ms' | 'cpuMs' | 'wallMs'> {
  latency: Histogram;
  /** The busiest worker's share of a core, and the worst event-loop delay p99 (ms). */
  generatorCpuShare: number;
  generatorLoopDelayP99Ms: number;
}

/** Phase timing of every worker: the slowest one's time, how many subscribers failed, the first reason. */
export interface PhaseResult {
  ms: number;
  failed: number;
  firstError: string | null;
}

/** Lean subscribers spread over worker processes (`subscriber-worker.ts`), driven phase by phase. */
export class SubscriberPool {
  private constructor(private readonly workers: ChildProcess[]) {}

  static async open(
    wsUrl: string,
    protocols: readonly string[],
    specs: SubscriberSpec[],
  ): Promise<{ pool: SubscriberPool; opened: PhaseResult }> {
    const count = Math.max(1, Math.min(MAX_WORKERS, Math.ceil(specs.length / PER_WORKER)));
    const workers = Array.from({ length: count }, () =>
      fork(join(__dirname, 'subscriber-worker.js'), [], { stdio: 'inherit' }),
    );
    const pool = new SubscriberPool(workers);
    const shares = workers.map((_, w) => specs.filter((__, i) => i % count === w));
    const opened = await pool.phase((w) => ({ type: 'open', wsUrl, protocols, subscribers: shares[w] }));
    return { pool, opened };
  }

  join(): Promise<PhaseResult> {
    return this.phase(() => ({ type: 'join' }));
  }

  subscribe(): Promise<PhaseResult> {
    return this.phase(() => ({ type: 'subscribe' }));
  }

  async reset(): Promise<void> {
    await this.phase(() => ({ type: 'reset' }));
  }

  async stats(): Promise<PoolStats> {
    const all = await Promise.all(this.workers.map((worker) => this.ask(worker, { type: 'stats' })));
    const stats = all.map((reply) => (reply as Extract<WorkerReply, { type: 'stats' }>).stats);
    const latency = new Histogram();
    for (const s of stats) latency.merge(s.latency);
    const sum = (pick: (s: WorkerStats) => number) => stats.reduce((total, s) => total + pick(s), 0);
    return {
      delivered: sum((s) => s.delivered),
      unique: sum((s) => s.unique),
      duplicates: sum((s) => s.duplicates),
      outOfOrder: sum((s) => s.outOfOrder),
      other: sum((s) => s.other),
      errors: sum((s) => s.errors),
      dropped: sum((s) => s.dropped),
      firstError: stats.find((s) => s.firstError)?.firstError ?? null,
      latency,
      generatorCpuShare: Math.max(...stats.map((s) => s.cpuMs / s.wallMs)),
      generatorLoopDelayP99Ms: Math.max(...stats.map((s) => s.loopDelayP99Ms)),
    };
  }

  async close(): Promise<void> {
    await this.phase(() => ({ type: 'close' })).catch(() => undefined);
    await Promise.all(
      this.workers.map((worker) =>
        worker.exitCode !== null ? Promise.resolve() : new Promise((resolve) => worker.once('exit', resolve)),
      ),
    );
  }

  private async phase(command: (worker: number) => WorkerCommand): Promise<PhaseResult> {
    const replies = await Promise.all(this.workers.map((worker, w) => this.ask(worker, command(w))));
    const done = replies as Extract<WorkerReply, { type: 'done' }>[];
    return {
      ms: Math.max(...done.map((r) => r.ms)),
      failed: done.reduce((total, r) => total + r.failed, 0),
      firstError: done.find((r) => r.firstError)?.firstError ?? null,
    };
  }

  private ask(worker: ChildProcess, command: WorkerCommand): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`load worker exited with ${code}`));
      worker.once('exit', onExit);
      worker.once('message', (reply: WorkerReply) => {
        worker.off('exit', onExit);
        resolve(reply);
      });
      worker.send(command);
    });
  }
}
