import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { encodeFrame, StompServer, type OutboundMessage } from '@playlist-chat/stomp';
import { WebSocketServer } from 'ws';
import { median } from './e2e/histogram';
import type { ClientCommand, ClientReport } from './fanout-clients';

export interface FanoutOptions {
  subscribers: number;
  /** Messages per measured run. */
  messages: number;
  /** Runs per scenario; scenarios alternate within each round. */
  rounds: number;
  /** Messages published per event-loop turn. */
  burst: number;
}

export interface FanoutResult {
  scenario: string;
  /** Deliveries per second (wall clock, publish start to last frame received) of each measured run. */
  runs: number[];
  median: number;
  /** Per round: this scenario's deliveries/s divided by bare ws's in the same round. */
  ratios: number[];
  medianRatio: number;
  /** Server-process CPU time per delivery (ns), median over runs: less sensitive to a busy machine than wall clock. */
  cpuNsPerDelivery: number;
}

const BODY = JSON.stringify({
  type: 'TALK',
  roomId: '7d0c8d1e-5a3f-4d0e-9d43-1b1f0f0e2a10',
  messageId: '01J9ZK6W4Q8V3N2B1C0D9E8F7G',
  sender: { uid: 'u-123', nickName: 'listener', profileImage: 'https://img.example/p/u-123.png' },
  text: 'this track is great',
});

/** The bytes a STOMP subscriber `sub-0` receives for one message: the bare server sends exactly these. */
function sameFrameBytes(): Buffer {
  return encodeFrame(
    'MESSAGE',
    {
      subscription: 'sub-0',
      'message-id': '5f1c2d3e-1',
      destination: '/topic/stomp-shared-id',
      'content-type': 'application/json',
    },
    BODY,
  );
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

class Clients {
  private readonly child: ChildProcess;
  private readonly waiters = new Map<string, (report: ClientReport) => void>();

  constructor() {
    this.child = fork(join(__dirname, 'fanout-clients.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
    });
    this.child.on('message', (report: ClientReport) => {
      if (report.kind === 'failed') throw new Error(`benchmark clients failed: ${report.error}`);
      this.waiters.get(`${report.kind}:${report.name}`)?.(report);
    });
  }

  private next(key: string): Promise<ClientReport> {
    return new Promise((resolve) => this.waiters.set(key, resolve));
  }

  async open(
    name: string,
    url: string,
    sockets: number,
    stomp: boolean,
    distinctIds: boolean,
  ): Promise<void> {
    const opened = this.next(`opened:${name}`);
    this.send({ kind: 'open', name, url, sockets, stomp, distinctIds, destination: `/topic/${name}` });
    await opened;
  }

  /** Arms the group's counter (resolved once armed); `done` resolves when it has received `messages` MESSAGE frames. */
  async expect(name: string, messages: number): Promise<{ done: Promise<ClientReport> }> {
    const armed = this.next(`armed:${name}`);
    const done = this.next(`received:${name}`);
    this.send({ kind: 'expect', name, messages });
    await armed;
    return { done };
  }

  close(): void {
    this.send({ kind: 'close' });
  }

  private send(command: ClientCommand): void {
    this.child.send(command);
  }
}

/** Publishes `count` messages in bursts, yielding to the event loop between bursts. */
async function publishAll(count: number, burst: number, publishOne: () => void): Promise<void> {
  for (let sent = 0; sent < count;) {
    for (let i = 0; i < burst && sent < count; i += 1, sent += 1) publishOne();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * One destination × N subscribers over loopback: `StompBroker.publish` versus a bare `ws` server
 * sending the same frame bytes to the same number of sockets, measured in the same run, runs
 * alternating. Subscribers live in a child process so that receiving does not compete with the
 * server for the same core.
 */
export async function runFanout(options: FanoutOptions): Promise<FanoutResult[]> {
  const clients = new Clients();

  const stompHttp = createServer();
  const stomp = new StompServer({ path: '/stomp', heartbeat: { outgoingMs: 0, incomingMs: 0 } });
  stomp.handlers.onSubscribe('/topic/{name}', () => undefined);
  stomp.attach(stompHttp);
  const stompPort = await listen(stompHttp);

  const bareHttp = createServer();
  const bare = new WebSocketServer({ server: bareHttp, perMessageDeflate: false });
  const barePort = await listen(bareHttp);

  await clients.open(
    'stomp-shared-id',
    `ws://127.0.0.1:${stompPort}/stomp`,
    options.subscribers,
    true,
    false,
  );
  await clients.open(
    'stomp-distinct-ids',
    `ws://127.0.0.1:${stompPort}/stomp`,
    options.subscribers,
    true,
    true,
  );
  await clients.open('bare-ws', `ws://127.0.0.1:${barePort}/`, options.subscribers, false, false);

  const frame = sameFrameBytes();
  const message: OutboundMessage = { body: BODY, contentType: 'application/json' };
  const textFrame = { binary: false };
  const scenarios: { name: string; publish: () => void }[] = [
    { name: 'stomp-shared-id', publish: () => stomp.broker.publish('/topic/stomp-shared-id', message) },
    { name: 'stomp-distinct-ids', publish: () => stomp.broker.publish('/topic/stomp-distinct-ids', message) },
    {
      name: 'bare-ws',
      publish: () => {
        for (const ws of bare.clients) ws.send(frame, textFrame);
      },
    },
  ];
  const rates = new Map<string, number[]>(scenarios.map((s) => [s.name, []]));
  const cpu = new Map<string, number[]>(scenarios.map((s) => [s.name, []]));
  const ratios = new Map<string, number[]>(scenarios.map((s) => [s.name, []]));
  const total = options.messages * options.subscribers;

  // Round 0 warms up the JIT and socket buffers and is not counted.
  for (let round = 0; round <= options.rounds; round += 1) {
    const order = round % 2 === 0 ? scenarios : [...scenarios].reverse();
    const roundRates = new Map<string, number>();
    for (const scenario of order) {
      const { done } = await clients.expect(scenario.name, total);
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      await publishAll(options.messages, options.burst, scenario.publish);
      await done;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuUsed = process.cpuUsage(cpuBefore);
      roundRates.set(scenario.name, total / seconds);
      if (round === 0) continue;
      rates.get(scenario.name)!.push(Math.round(total / seconds));
      cpu.get(scenario.name)!.push(((cpuUsed.user + cpuUsed.system) * 1000) / total);
    }
    if (round === 0) continue;
    for (const scenario of scenarios)
      ratios.get(scenario.name)!.push(roundRates.get(scenario.name)! / roundRates.get('bare-ws')!);
  }

  clients.close();
  await stomp.close();
  for (const ws of bare.clients) ws.terminate();
  await new Promise<void>((resolve) => bare.close(() => resolve()));
  stompHttp.close();
  bareHttp.close();
  return scenarios.map(({ name }) => ({
    scenario: name,
    runs: rates.get(name)!,
    median: median(rates.get(name)!),
    ratios: ratios.get(name)!,
    medianRatio: median(ratios.get(name)!),
    cpuNsPerDelivery: median(cpu.get(name)!),
  }));
}
