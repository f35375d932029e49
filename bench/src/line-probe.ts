import WebSocket from 'ws';
import { helpOrRefuseUnknown, numberOption, optionValue } from './options';
import { cpuMsOf } from './e2e/process-stats';
import { frame } from './e2e/stomp-wire';
import { BareWsTarget } from './e2e/targets/bare-ws';
import { ProductTarget } from './e2e/targets/product';
import type { Outgoing, Target } from './e2e/targets/target';

const USAGE = `usage: node bench/dist/line-probe.js [--target=product|bare-ws|bare-ws-stored] [--subscribers=N] [--lines=N] [--root=CHECKOUT]
  One sender posts --lines chat lines one after another, each after the previous RECEIPT, into a
  room of --subscribers joined, subscribed members (after 500 warm-up lines); prints the server's
  CPU per line (from /proc) and the wall time. --root runs another checkout's built single node,
  to pair two builds (run them alternately). Defaults: product, 10 subscribers, 4000 lines.`;

const NUMBERS = ['subscribers', 'lines'] as const;
const WARM_UP_LINES = 500;

/**
 * A raw STOMP client. While a request waits for its answer it keeps what arrives, to find the
 * answer in it; otherwise (a listener's MESSAGEs) it reads and drops.
 */
class ProbeClient {
  private received = '';
  private waiting: { text: string; resolve: () => void } | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      if (!this.waiting) return;
      this.received += data.toString('utf8');
      if (this.received.includes(this.waiting.text)) {
        const { resolve } = this.waiting;
        this.waiting = null;
        this.received = '';
        resolve();
      }
    });
  }

  static async connect(target: Target, uid: string): Promise<ProbeClient> {
    const ws = new WebSocket(target.wsUrl, [...target.protocols]);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client = new ProbeClient(ws);
    const headers = { 'accept-version': '1.2', 'heart-beat': '0,0', ...target.connectHeaders(uid) };
    await client.request(frame('CONNECT', headers), 'CONNECTED');
    return client;
  }

  /** Sends `text` and resolves once `expected` has arrived. */
  request(text: string, expected: string): Promise<void> {
    const arrived = new Promise<void>((resolve) => (this.waiting = { text: expected, resolve }));
    this.ws.send(text);
    return arrived;
  }

  send(outgoing: Outgoing, receipt: string): Promise<void> {
    const headers = { destination: outgoing.destination, ...outgoing.headers, receipt };
    return this.request(frame('SEND', headers, outgoing.body), `receipt-id:${receipt}\n`);
  }

  close(): void {
    this.ws.close();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (helpOrRefuseUnknown(args, USAGE, { flags: [], withValue: ['target', ...NUMBERS, 'root'] })) return;
  const option = (name: string) => optionValue(args, name);
  const number = (name: (typeof NUMBERS)[number], fallback: number) =>
    numberOption(args, name, fallback, { minimum: 1, whole: true, usage: USAGE });
  const targetName = option('target') ?? 'product';
  if (targetName !== 'product' && targetName !== 'bare-ws' && targetName !== 'bare-ws-stored')
    throw new Error(`--target must be product, bare-ws or bare-ws-stored, got "${targetName}"\n${USAGE}`);
  const subscribers = number('subscribers', 10);
  const lines = number('lines', 4_000);

  const target: Target =
    targetName !== 'product'
      ? await BareWsTarget.start(targetName)
      : await ProductTarget.start(option('root') === undefined ? 'product' : 'baseline', option('root'));
  const clients: ProbeClient[] = [];
  try {
    const [room] = await target.createRooms(1);
    const join = target.join(room);
    for (let n = 0; n <= subscribers; n++) {
      const client = await ProbeClient.connect(target, `probe-${n}`);
      if (join) await client.send(join, 'join');
      await client.request(
        frame('SUBSCRIBE', { id: 'sub-0', destination: room.destination, receipt: 'sub' }),
        'receipt-id:sub\n',
      );
      clients.push(client);
    }
    // Member 0 talks (and receives its own lines); the others only receive.
    const sender = clients[0];
    const post = async (count: number, tag: string) => {
      for (let i = 0; i < count; i++) {
        await sender.send(target.line(room, `probe line ${i}`, `${tag}-${i}`), `${tag}-${i}`);
      }
    };
    await post(WARM_UP_LINES, 'warm');
    const cpu0 = cpuMsOf(target.pid);
    const started = performance.now();
    await post(lines, 'line');
    const wallMs = performance.now() - started;
    const cpuMs = cpuMsOf(target.pid) - cpu0;
    console.log(
      `${target.name}: ${lines} lines to ${subscribers} subscribers (+ the sender) in ${(wallMs / 1000).toFixed(2)} s; ` +
        `server CPU ${Math.round((cpuMs * 1000) / lines)} µs per line`,
    );
  } finally {
    for (const client of clients) client.close();
    await target.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
