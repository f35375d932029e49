/**
 * A load-generator worker: many lean subscribers (raw `ws`, a few lines of STOMP) in one
 * process, commanded over IPC by `SubscriberPool`. Each delivery of a bench line is timed from
 * the send time it carries; repeats and lines out of order are counted per subscriber and sender.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Histogram } from '../histogram';
import { frame, parseFrames, readLine, readLineFromMessage, text } from '../stomp-wire';
import type { SubscriberSpec, WorkerCommand, WorkerReply, WorkerStats } from './protocol';

const OPEN_CONCURRENCY = 50;

/** Per sender: the highest seq seen and the ones skipped so far (a later arrival is out of order, not new). */
class Order {
  private last = 0;
  private readonly missing = new Set<number>();

  /** 'new', 'late' (new but out of order) or 'repeat'. */
  see(seq: number): 'new' | 'late' | 'repeat' {
    if (seq > this.last) {
      for (let s = this.last + 1; s < seq; s++) this.missing.add(s);
      this.last = seq;
      return 'new';
    }
    return this.missing.delete(seq) ? 'late' : 'repeat';
  }
}

class Subscriber {
  private ws: WebSocket | undefined;
  private readonly receipts = new Map<string, (error?: string) => void>();
  private receiptIds = 0;
  private readonly senders = new Map<number, Order>();

  constructor(
    private readonly spec: SubscriberSpec,
    private readonly counters: Counters,
  ) {}

  open(wsUrl: string, protocols: readonly string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl, [...protocols], { perMessageDeflate: false, skipUTF8Validation: true });
      this.ws = ws;
      let connected = false;
      ws.on('open', () =>
        ws.send(
          frame('CONNECT', {
            'accept-version': '1.2',
            host: '/',
            'heart-beat': '0,0',
            ...this.spec.connectHeaders,
          }),
        ),
      );
      ws.on('message', (data) => {
        if (Buffer.isBuffer(data)) {
          const fast = readLineFromMessage(data);
          if (fast !== undefined) return this.delivered(fast);
        }
        for (const f of parseFrames(text(data))) {
          if (f.command === 'MESSAGE') this.delivered(readLine(f.body));
          else if (f.command === 'CONNECTED') {
            connected = true;
            resolve();
          } else if (f.command === 'RECEIPT') this.settle(f.headers['receipt-id']);
          else if (f.command === 'ERROR') {
            this.counters.error(`${f.headers.message ?? 'ERROR'} ${f.body}`.trim());
            if (f.headers['receipt-id']) this.settle(f.headers['receipt-id'], f.headers.message ?? 'ERROR');
            if (!connected) reject(new Error(f.headers.message ?? 'ERROR before CONNECTED'));
          }
        }
      });
      ws.on('error', (error) => (connected ? this.counters.error(error.message) : reject(error)));
      ws.on('close', () => {
        if (connected && !this.counters.closing) this.counters.dropped += 1;
        for (const id of [...this.receipts.keys()]) this.settle(id, 'connection closed');
      });
    });
  }

  join(): Promise<void> {
    const join = this.spec.join;
    if (!join) return Promise.resolve();
    return this.withReceipt((receipt) =>
      frame('SEND', { destination: join.destination, ...join.headers, receipt }, join.body),
    );
  }

  subscribe(): Promise<void> {
    return this.withReceipt((receipt) =>
      frame('SUBSCRIBE', { id: 'sub-0', destination: this.spec.destination, ack: 'auto', receipt }),
    );
  }

  close(): void {
    this.ws?.terminate();
  }

  private withReceipt(build: (receipt: string) => string): Promise<void> {
    const id = `r-${++this.receiptIds}`;
    return new Promise((resolve, reject) => {
      this.receipts.set(id, (error) => (error ? reject(new Error(error)) : resolve()));
      this.ws!.send(build(id));
    });
  }

  private settle(id: string, error?: string): void {
    const done = this.receipts.get(id);
    this.receipts.delete(id);
    done?.(error);
  }

  private delivered(line: { sender: number; seq: number; sentAt: number } | null): void {
    if (!line) {
      this.counters.other += 1;
      return;
    }
    const c = this.counters;
    c.delivered += 1;
    let order = this.senders.get(line.sender);
    if (!order) this.senders.set(line.sender, (order = new Order()));
    const seen = order.see(line.seq);
    if (seen === 'repeat') {
      c.duplicates += 1;
      return;
    }
    if (seen === 'late') c.outOfOrder += 1;
    c.unique += 1;
    c.latency.record(performance.timeOrigin + performance.now() - line.sentAt);
  }
}

class Counters {
  delivered = 0;
  unique = 0;
  duplicates = 0;
  outOfOrder = 0;
  other = 0;
  errors = 0;
  dropped = 0;
  firstError: string | null = null;
  closing = false;
  latency = new Histogram();

  error(message: string): void {
    this.errors += 1;
    this.firstError ??= message;
  }
}

const counters = new Counters();
let subscribers: Subscriber[] = [];
let cpu0 = process.cpuUsage();
let wall0 = performance.now();
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

async function inTurn(
  work: (subscriber: Subscriber) => Promise<void>,
): Promise<{ ms: number; failed: number; firstError: string | null }> {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  const lane = async () => {
    while (next < subscribers.length) {
      const subscriber = subscribers[next++];
      await work(subscriber).catch((error: unknown) => {
        failed += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      });
    }
  };
  await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, lane));
  return { ms: performance.now() - started, failed, firstError };
}

function reply(message: WorkerReply): void {
  process.send!(message);
}

process.on('message', (command: WorkerCommand) => {
  void (async () => {
    switch (command.type) {
      case 'open': {
        subscribers = command.subscribers.map((spec) => new Subscriber(spec, counters));
        reply({ type: 'done', ...(await inTurn((s) => s.open(command.wsUrl, command.protocols))) });
        break;
      }
      case 'join':
        reply({ type: 'done', ...(await inTurn((s) => s.join())) });
        break;
      case 'subscribe':
        reply({ type: 'done', ...(await inTurn((s) => s.subscribe())) });
        break;
      case 'reset': {
        const fresh = new Counters();
        Object.assign(counters, fresh);
        cpu0 = process.cpuUsage();
        wall0 = performance.now();
        loop.reset();
        reply({ type: 'done', ms: 0, failed: 0, firstError: null });
        break;
      }
      case 'stats': {
        const cpu = process.cpuUsage(cpu0);
        const stats: WorkerStats = {
          delivered: counters.delivered,
          unique: counters.unique,
          duplicates: counters.duplicates,
          outOfOrder: counters.outOfOrder,
          other: counters.other,
          errors: counters.errors,
          firstError: counters.firstError,
          dropped: counters.dropped,
          latency: counters.latency.toJSON(),
          cpuMs: (cpu.user + cpu.system) / 1000,
          wallMs: performance.now() - wall0,
          loopDelayP99Ms: loop.percentile(99) / 1e6,
        };
        reply({ type: 'stats', stats });
        break;
      }
      case 'close':
        counters.closing = true;
        for (const subscriber of subscribers) subscriber.close();
        reply({ type: 'done', ms: 0, failed: 0, firstError: null });
        setTimeout(() => process.exit(0), 50);
        break;
    }
  })();
});
