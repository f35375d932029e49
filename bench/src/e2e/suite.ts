import { BareWsTarget } from './targets/bare-ws';
import { ProductTarget } from './targets/product';
import { RabbitMqTarget } from './targets/rabbitmq';
import type { Target, TargetName } from './targets/target';
import {
  isClean,
  labelOf,
  runIdle,
  runLineCost,
  runLoad,
  runRoomSetup,
  runSaturation,
  type IdleResult,
  type LineCostResult,
  type LoadResult,
  type LoadShape,
  type SaturationResult,
  type SetupResult,
  type TargetResult,
} from './scenarios';

export const SCENARIOS = [
  'fanout',
  'many-rooms',
  'big-room',
  'saturation',
  'idle',
  'big-room-setup',
  'line-cost',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Sizes of each scenario: full (the figures, minutes) and smoke (seconds, for CI). */
export interface Sizes {
  fanout: LoadShape;
  manyRooms: LoadShape;
  bigRoom: LoadShape;
  /** The ladder of rates (lines/s), and how many times to halve the gap where it stopped being clean. */
  saturation: { shape: Omit<LoadShape, 'rate'>; rates: number[]; refinements: number };
  idle: { connections: number; perRoom: number; settleMs: number };
  setup: number[];
  lineCost: { members: number[]; rate: number; durationMs: number; offlineAfterMs: number };
  /** Start each target once for every scenario (smoke) rather than afresh for each (full: memory figures start clean). */
  reuseTargets: boolean;
}

export const FULL: Sizes = {
  fanout: { rooms: 1, subscribersPerRoom: 1000, sendersPerRoom: 5, rate: 50, durationMs: 20_000 },
  manyRooms: { rooms: 100, subscribersPerRoom: 10, sendersPerRoom: 1, rate: 200, durationMs: 20_000 },
  bigRoom: { rooms: 1, subscribersPerRoom: 2000, sendersPerRoom: 5, rate: 20, durationMs: 20_000 },
  saturation: {
    shape: { rooms: 1, subscribersPerRoom: 1000, sendersPerRoom: 10, durationMs: 8_000 },
    rates: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 120, 140, 160, 200, 250, 300, 400],
    // A 10 lines/s gap becomes 2.5: the answer to ~3 % instead of ~12 %, for two more 8 s steps per target.
    refinements: 2,
  },
  // 15 s: V8 gives back the heap that connection set-up churned through only once allocation stops for a while.
  idle: { connections: 10_000, perRoom: 100, settleMs: 15_000 },
  setup: [200, 2000],
  lineCost: { members: [10, 2000], rate: 100, durationMs: 10_000, offlineAfterMs: 7_000 },
  reuseTargets: false,
};

export const SMOKE: Sizes = {
  fanout: { rooms: 1, subscribersPerRoom: 20, sendersPerRoom: 2, rate: 20, durationMs: 1_500 },
  manyRooms: { rooms: 4, subscribersPerRoom: 5, sendersPerRoom: 1, rate: 20, durationMs: 1_500 },
  bigRoom: { rooms: 1, subscribersPerRoom: 40, sendersPerRoom: 2, rate: 10, durationMs: 1_500 },
  saturation: {
    shape: { rooms: 1, subscribersPerRoom: 20, sendersPerRoom: 2, durationMs: 1_000 },
    rates: [10, 20],
    refinements: 1,
  },
  idle: { connections: 100, perRoom: 50, settleMs: 500 },
  setup: [10, 40],
  lineCost: { members: [5, 20], rate: 20, durationMs: 1_000, offlineAfterMs: 500 },
  reuseTargets: true,
};

export type ScenarioResult =
  | { scenario: 'fanout' | 'many-rooms' | 'big-room'; results: LoadResult[] }
  | { scenario: 'saturation'; results: SaturationResult[] }
  | { scenario: 'idle'; results: IdleResult[] }
  | { scenario: 'big-room-setup'; results: SetupResult[] }
  | { scenario: 'line-cost'; results: LineCostResult[] };

export interface SuiteReport {
  scenarios: ScenarioResult[];
  /** Targets that could not run, and why. */
  skipped: { target: TargetName; reason: string }[];
  /** A scenario that failed on a target (the others went on): which, and the error. */
  failed: { target: TargetName; scenario: ScenarioName; reason: string }[];
  notes: Record<string, readonly string[]>;
  /** How many alternating rounds each scenario ran (`--rounds`). */
  rounds: number;
}

/** How each target starts; `baseline` runs the built single node of checkout `baselineRoot`. */
const starters = (baselineRoot: string | undefined): Record<TargetName, () => Promise<Target>> => ({
  product: () => ProductTarget.start('product'),
  'product-gateway': () => ProductTarget.start('product-gateway'),
  baseline: () => {
    if (baselineRoot === undefined) throw new Error('no baseline checkout given (--baseline=CHECKOUT)');
    return ProductTarget.start('baseline', baselineRoot);
  },
  'bare-ws': () => BareWsTarget.start('bare-ws'),
  'bare-ws-stored': () => BareWsTarget.start('bare-ws-stored'),
  rabbitmq: () => RabbitMqTarget.start(),
});

/**
 * Every chosen scenario against every target, one target at a time, each on a freshly started
 * server (so memory figures start from the same place), `rounds` times over in alternation; a
 * target that cannot start is skipped with its reason, and the rest go on.
 */
export async function runSuite(
  scenarios: readonly ScenarioName[],
  targets: readonly TargetName[],
  sizes: Sizes,
  log: (line: string) => void,
  /** Each scenario runs on every target this many times, alternating (A B A B), so a ratio can be taken per round. */
  rounds = 1,
  /** Checkout whose built single node the `baseline` target runs (`--baseline=`). */
  baselineRoot?: string,
): Promise<SuiteReport> {
  const report: SuiteReport = { scenarios: [], skipped: [], failed: [], notes: {}, rounds };
  const start = starters(baselineRoot);
  const rabbitMissing = RabbitMqTarget.unavailable();
  const usable = targets.filter((name) => {
    if (name === 'rabbitmq' && rabbitMissing) {
      report.skipped.push({ target: name, reason: rabbitMissing });
      log(`[skip] rabbitmq: ${rabbitMissing}`);
      return false;
    }
    return true;
  });
  const running = new Map<TargetName, Target>();
  const on = async <R>(
    scenario: ScenarioName,
    name: TargetName,
    work: (target: Target) => Promise<R>,
  ): Promise<R | null> => {
    if (report.skipped.some((s) => s.target === name)) return null;
    let target = running.get(name);
    if (!target) {
      try {
        target = await start[name]();
      } catch (error) {
        const reason = `could not start: ${error instanceof Error ? error.message : String(error)}`;
        report.skipped.push({ target: name, reason });
        log(`[skip] ${name}: ${reason}`);
        return null;
      }
      report.notes[name] = target.notes;
      if (sizes.reuseTargets) running.set(name, target);
    }
    try {
      return await work(target);
    } catch (error) {
      // One target failing one scenario (e.g. refused connections on a busy machine) is a
      // result to report, not a reason to lose every other figure of the run.
      const reason = error instanceof Error ? error.message : String(error);
      report.failed.push({ target: name, scenario, reason });
      log(`[fail] ${name} in ${scenario}: ${reason}`);
      return null;
    } finally {
      if (!sizes.reuseTargets) await target.stop();
    }
  };
  const each = async <R extends TargetResult | TargetResult[]>(
    scenario: ScenarioName,
    work: (target: Target) => Promise<R>,
  ): Promise<R[]> => {
    const results: R[] = [];
    for (let round = 1; round <= rounds; round++)
      for (const name of usable) {
        const result = await on(scenario, name, work);
        if (result === null) continue;
        if (rounds > 1) for (const one of [result].flat()) one.round = round;
        results.push(result);
      }
    return results;
  };

  try {
    await runScenarios(scenarios, sizes, report, each, log);
  } finally {
    for (const target of running.values()) await target.stop();
  }
  return report;
}

async function runScenarios(
  scenarios: readonly ScenarioName[],
  sizes: Sizes,
  report: SuiteReport,
  each: <R extends TargetResult | TargetResult[]>(
    scenario: ScenarioName,
    work: (target: Target) => Promise<R>,
  ) => Promise<R[]>,
  log: (line: string) => void,
): Promise<void> {
  for (const scenario of scenarios) {
    log(`… ${scenario}`);
    switch (scenario) {
      case 'fanout':
      case 'many-rooms':
      case 'big-room': {
        const shape =
          scenario === 'fanout' ? sizes.fanout : scenario === 'many-rooms' ? sizes.manyRooms : sizes.bigRoom;
        const results = await each(scenario, (target) => runLoad(target, shape));
        for (const r of results)
          log(`  ${labelOf(r)}: ${isClean(r) ? 'clean' : 'NOT clean'}, p99 ${r.latency.p99.toFixed(1)} ms`);
        report.scenarios.push({ scenario, results });
        break;
      }
      case 'saturation': {
        const results = await each(scenario, (target) =>
          runSaturation(target, sizes.saturation.shape, sizes.saturation.rates, sizes.saturation.refinements),
        );
        for (const r of results)
          log(`  ${labelOf(r)}: highest clean ${Math.round(r.highestClean)} deliveries/s`);
        report.scenarios.push({ scenario, results });
        break;
      }
      case 'idle': {
        const { connections, perRoom, settleMs } = sizes.idle;
        const results = await each(scenario, (target) => runIdle(target, connections, perRoom, settleMs));
        report.scenarios.push({ scenario, results });
        break;
      }
      case 'big-room-setup': {
        const results = (
          await each(scenario, async (target) => {
            const all: SetupResult[] = [];
            for (const members of sizes.setup) all.push(await runRoomSetup(target, members));
            return all;
          })
        ).flat();
        report.scenarios.push({ scenario, results });
        break;
      }
      case 'line-cost': {
        const { members, rate, durationMs, offlineAfterMs } = sizes.lineCost;
        const results = (
          await each(scenario, async (target) => {
            const all: LineCostResult[] = [];
            for (const size of members)
              all.push(await runLineCost(target, size, rate, durationMs, offlineAfterMs));
            return all;
          })
        ).flat();
        report.scenarios.push({ scenario, results });
        break;
      }
    }
  }
}
