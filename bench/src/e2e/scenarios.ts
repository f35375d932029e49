import { summarize, type LatencySummary } from './histogram';
import { CpuWindow, openFileLimitOf, openFilesOf, rssKbOf, sleep } from './process-stats';
import { Senders } from './load/senders';
import { SubscriberPool, type PhaseResult } from './load/subscriber-pool';
import type { SubscriberSpec } from './load/protocol';
import type { PreparedRoom, Target, TargetName } from './targets/target';

/** What every scenario's result says first: whose it is, and in which round of the run. */
export interface TargetResult {
  target: TargetName;
  /** Which of the run's alternating rounds (`--rounds`) it came from, counted from 1. */
  round?: number;
}

/** A result's name in tables and logs: its target, and its round when the run had several. */
export const labelOf = (r: TargetResult): string => (r.round ? `${r.target} #${r.round}` : r.target);

/** What one target did in one load run. */
export interface LoadResult extends TargetResult {
  subscribers: number;
  rate: number;
  sent: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  refused: number;
  firstRefusal: string | null;
  deliveriesPerSecond: number;
  latency: LatencySummary;
  receipt: LatencySummary;
  serverCpuShare: number;
  serverCpuNsPerDelivery: number;
  serverRssMb: number;
  setupMs: number;
  generatorCpuShare: number;
  generatorLoopDelayP99Ms: number;
}

export interface LoadShape {
  rooms: number;
  subscribersPerRoom: number;
  sendersPerRoom: number;
  /** Lines per second over all rooms. */
  rate: number;
  durationMs: number;
}

/** A run is clean when nothing is lost, repeated, reordered or refused, and p99 stays under this. */
export const CLEAN_P99_MS = 100;

export const isClean = (r: LoadResult): boolean =>
  r.lost === 0 && r.duplicated === 0 && r.outOfOrder === 0 && r.refused === 0 && r.latency.p99 < CLEAN_P99_MS;

function check(phase: string, result: PhaseResult): void {
  if (result.failed > 0)
    throw new Error(`${phase}: ${result.failed} subscriber(s) failed: ${result.firstError}`);
}

/** `count` members named `${prefix}-<i>`, member i in room `roomOf(i)`. */
function membersOf(
  target: Target,
  count: number,
  prefix: string,
  roomOf: (i: number) => PreparedRoom,
): SubscriberSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const room = roomOf(i);
    return {
      connectHeaders: target.connectHeaders(`${prefix}-${i}`),
      destination: room.destination,
      join: target.join(room),
    };
  });
}

/** Connects the members and takes them through `phases` in turn; a failing phase closes the pool and throws. */
async function poolThrough(
  target: Target,
  specs: SubscriberSpec[],
  phases: readonly ('join' | 'subscribe')[],
): Promise<{ pool: SubscriberPool; ms: Record<'connect' | 'join' | 'subscribe', number> }> {
  const { pool, opened } = await SubscriberPool.open(target.wsUrl, target.protocols, specs);
  const ms = { connect: opened.ms, join: 0, subscribe: 0 };
  try {
    check('connect', opened);
    for (const phase of phases) {
      const result = phase === 'join' ? await pool.join() : await pool.subscribe();
      check(phase, result);
      ms[phase] = result.ms;
    }
    return { pool, ms };
  } catch (error) {
    await pool.close();
    throw error;
  }
}

/** Rooms with their members connected, joined and subscribed, and their senders joined. */
export class Loaded {
  private constructor(
    readonly target: Target,
    readonly rooms: PreparedRoom[],
    readonly pool: SubscriberPool,
    readonly senders: Senders,
    readonly subscribersPerRoom: number,
    readonly setupMs: number,
  ) {}

  static async setUp(target: Target, shape: Omit<LoadShape, 'rate' | 'durationMs'>): Promise<Loaded> {
    const started = performance.now();
    const rooms = await target.createRooms(shape.rooms);
    const perRoom = shape.subscribersPerRoom;
    const specs = membersOf(
      target,
      rooms.length * perRoom,
      'bench-member',
      (i) => rooms[Math.floor(i / perRoom)],
    );
    const { pool } = await poolThrough(target, specs, ['join', 'subscribe']);
    try {
      const senders = await Senders.open(target, rooms, shape.sendersPerRoom, 0);
      return new Loaded(target, rooms, pool, senders, perRoom, performance.now() - started);
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  /** Sends at `rate` for `durationMs`, waits for the deliveries to stop coming, and measures. */
  async run(rate: number, durationMs: number): Promise<LoadResult> {
    await this.pool.reset();
    const cpu = new CpuWindow(this.target.pid);
    cpu.start();
    const sent = await this.senders.run(rate, durationMs);
    const expected = sent.sent * this.subscribersPerRoom;
    let stats = await this.pool.stats();
    // Late deliveries count (their latency shows it); stop when all are in or nothing moved for 2 s.
    for (let quiet = 0, last = stats.unique; stats.unique < expected && quiet < 20;) {
      await sleep(100);
      stats = await this.pool.stats();
      quiet = stats.unique === last ? quiet + 1 : 0;
      last = stats.unique;
    }
    const server = cpu.stop();
    return {
      target: this.target.name,
      subscribers: this.rooms.length * this.subscribersPerRoom,
      rate,
      sent: sent.sent,
      expected,
      delivered: stats.unique,
      lost: expected - stats.unique,
      duplicated: stats.duplicates,
      outOfOrder: stats.outOfOrder,
      refused: sent.refused + stats.errors,
      firstRefusal: sent.firstRefusal ?? stats.firstError,
      deliveriesPerSecond: stats.unique / (server.wallMs / 1000),
      latency: summarize(stats.latency),
      receipt: summarize(sent.receiptLatency),
      serverCpuShare: server.share,
      serverCpuNsPerDelivery: stats.unique > 0 ? (server.cpuMs * 1e6) / stats.unique : 0,
      serverRssMb: rssKbOf(this.target.pid) / 1024,
      setupMs: this.setupMs,
      generatorCpuShare: stats.generatorCpuShare,
      generatorLoopDelayP99Ms: stats.generatorLoopDelayP99Ms,
    };
  }

  async close(): Promise<void> {
    await this.senders.close();
    await this.pool.close();
  }
}

export async function runLoad(target: Target, shape: LoadShape): Promise<LoadResult> {
  const loaded = await Loaded.setUp(target, shape);
  try {
    return await loaded.run(shape.rate, shape.durationMs);
  } finally {
    await loaded.close();
  }
}

export interface SaturationResult extends TargetResult {
  /** Every step in the order it ran: the ladder up to its first step that was not clean, then the refinement between. */
  steps: LoadResult[];
  /** Deliveries per second of the fastest clean step (0 when none was clean). */
  highestClean: number;
  /** Server CPU per delivery at the highest clean step. */
  cpuNsPerDeliveryAtHighest: number;
  /** Clean at every step, the last included: the real highest clean rate is above the scale. */
  reachedTop: boolean;
}

/**
 * Raises the rate along `rates` until a step is not clean, then halves the gap between the last
 * clean rate and that one `refinements` times (`bisectRates`); the fastest clean step is the
 * answer. Without the halving the answer moves by a whole ladder step (10 lines/s to 1,000
 * subscribers is ~10,000 deliveries/s, an eighth of the rate measured), so a ratio between two
 * targets could only be 7/8, 8/8 or 9/8.
 */
export async function runSaturation(
  target: Target,
  shape: Omit<LoadShape, 'rate'>,
  rates: readonly number[],
  refinements = 0,
): Promise<SaturationResult> {
  const loaded = await Loaded.setUp(target, shape);
  const steps: LoadResult[] = [];
  const step = async (rate: number): Promise<boolean> => {
    const result = await loaded.run(rate, shape.durationMs);
    steps.push(result);
    await sleep(500);
    return isClean(result);
  };
  try {
    let lastClean = 0;
    for (const rate of rates) {
      if (!(await step(rate))) {
        await bisectRates(lastClean, rate, refinements, step);
        break;
      }
      lastClean = rate;
    }
  } finally {
    await loaded.close();
  }
  const clean = steps.filter(isClean);
  const best = clean.reduce<LoadResult | undefined>(
    (a, b) => (a && a.deliveriesPerSecond >= b.deliveriesPerSecond ? a : b),
    undefined,
  );
  return {
    target: target.name,
    steps,
    highestClean: best?.deliveriesPerSecond ?? 0,
    reachedTop: steps.length === rates.length && clean.length === steps.length,
    cpuNsPerDeliveryAtHighest: best?.serverCpuNsPerDelivery ?? 0,
  };
}

/**
 * Between a `clean` rate and a higher one that was not, tries the middle (whole lines a second)
 * `times` times, keeping the half where the limit lies: clean moves up, the other down. Stops
 * early when the two are a line a second apart.
 */
export async function bisectRates(
  clean: number,
  notClean: number,
  times: number,
  isCleanAt: (rate: number) => Promise<boolean>,
): Promise<void> {
  for (let i = 0; i < times; i++) {
    const middle = Math.round((clean + notClean) / 2);
    if (middle <= clean || middle >= notClean) return;
    if (await isCleanAt(middle)) clean = middle;
    else notClean = middle;
  }
}

export interface IdleResult extends TargetResult {
  connections: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  kbPerConnection: number;
  setupMs: number;
  /** Why fewer than the scenario's connections were opened (the server's open-file limit), if so. */
  cappedBy?: string;
}

/** Descriptors the server keeps free beyond the idle clients' (its files, listeners, the bench's own clients). */
const SPARE_DESCRIPTORS = 100;

/**
 * How many of `wanted` connections (whole rooms of `perRoom`) fit under the server's open-file
 * limit: one room's members are connected to see what a connection costs the server in
 * descriptors (1 on a broker; 3 through the single node's gateway, which holds the client's
 * socket and both ends of its tunnel to the chat server), then let go.
 */
async function connectionsThatFit(
  target: Target,
  wanted: number,
  perRoom: number,
  room: PreparedRoom,
): Promise<{ connections: number; cappedBy?: string }> {
  const limit = openFileLimitOf(target.pid);
  const before = openFilesOf(target.pid);
  const { pool } = await poolThrough(
    target,
    membersOf(target, perRoom, 'bench-idle-probe', () => room),
    [],
  );
  const perConnection = (openFilesOf(target.pid) - before) / perRoom;
  await pool.close();
  const fit = Math.floor((limit - before - SPARE_DESCRIPTORS) / perConnection / perRoom) * perRoom;
  if (!(fit < wanted)) return { connections: wanted };
  return {
    connections: Math.max(perRoom, fit),
    cappedBy: `open-file limit ${limit.toLocaleString('en-US')} at ${perConnection.toFixed(1)} descriptors per connection`,
  };
}

/**
 * `connections` members connected, joined and subscribed (rooms of `perRoom`), then left idle;
 * fewer when the server could not hold that many descriptors (`cappedBy` says so).
 */
export async function runIdle(
  target: Target,
  wanted: number,
  perRoom: number,
  settleMs: number,
): Promise<IdleResult> {
  const probeRoom = (await target.createRooms(1))[0];
  const { connections, cappedBy } = await connectionsThatFit(target, wanted, perRoom, probeRoom);
  const rooms = await target.createRooms(Math.ceil(connections / perRoom));
  const specs = membersOf(target, connections, 'bench-idle', (i) => rooms[Math.floor(i / perRoom)]);
  await sleep(settleMs);
  const before = rssKbOf(target.pid);
  const started = performance.now();
  const { pool } = await poolThrough(target, specs, ['join', 'subscribe']);
  try {
    const setupMs = performance.now() - started;
    await sleep(settleMs);
    const after = rssKbOf(target.pid);
    return {
      target: target.name,
      connections,
      rssBeforeMb: before / 1024,
      rssAfterMb: after / 1024,
      kbPerConnection: (after - before) / connections,
      setupMs,
      ...(cappedBy ? { cappedBy } : {}),
    };
  } finally {
    await pool.close();
  }
}

export interface SetupResult extends TargetResult {
  members: number;
  connectMs: number;
  joinMs: number;
  subscribeMs: number;
}

/** A room of `members`: all connect, then all join, then all subscribe; each phase timed. */
export async function runRoomSetup(target: Target, members: number): Promise<SetupResult> {
  const [room] = await target.createRooms(1);
  const { pool, ms } = await poolThrough(
    target,
    membersOf(target, members, `bench-setup-${members}`, () => room),
    ['join', 'subscribe'],
  );
  await pool.close();
  return { target: target.name, members, connectMs: ms.connect, joinMs: ms.join, subscribeMs: ms.subscribe };
}

export interface LineCostResult extends TargetResult {
  /** Members of the room: joined, then gone (offline), as most members of a big room are. */
  members: number;
  lines: number;
  cpuUsPerLine: number;
  receipt: LatencySummary;
}

/**
 * What one chat line costs the server in a room of `members` (who joined and left, so nobody
 * is subscribed): one sender posts `rate` lines a second for `durationMs`. A line's cost should
 * not grow with the room.
 */
export async function runLineCost(
  target: Target,
  members: number,
  rate: number,
  durationMs: number,
  offlineAfterMs: number,
): Promise<LineCostResult> {
  const [room] = await target.createRooms(1);
  const { pool } = await poolThrough(
    target,
    membersOf(target, members, `bench-line-${members}`, () => room),
    ['join'],
  );
  await pool.close();
  await sleep(offlineAfterMs); // past the presence grace: the members are off
  const senders = await Senders.open(target, [room], 1, 0);
  try {
    const cpu = new CpuWindow(target.pid);
    cpu.start();
    const sent = await senders.run(rate, durationMs);
    const { cpuMs } = cpu.stop();
    return {
      target: target.name,
      members,
      lines: sent.sent,
      cpuUsPerLine: (cpuMs * 1000) / sent.sent,
      receipt: summarize(sent.receiptLatency),
    };
  } finally {
    await senders.close();
  }
}
