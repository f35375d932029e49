import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isClean,
  type IdleResult,
  type LineCostResult,
  type LoadResult,
  type SaturationResult,
  type SetupResult,
} from '../src/e2e/scenarios';
import { SMOKE, type SuiteReport } from '../src/e2e/suite';
import { runSmoke } from './support/smoke-run';

const main = join(__dirname, '..', 'dist', 'main.js');

/**
 * `npm run bench -- --smoke` as CI runs it, so the suite never rots: every STOMP scenario
 * against the real product, the bare `ws` baselines (with and without a store) and RabbitMQ,
 * with tiny sizes. It checks what the load saw (every line delivered once, in order, nothing
 * refused) and that the report holds its figures; speeds are the full run's business, not a test's.
 */
describe('bench smoke run (npm run bench -- --smoke)', () => {
  let report: SuiteReport;
  let output: string;

  beforeAll(async () => {
    ({ output, report } = await runSmoke<SuiteReport>(main, 170_000));
  }, 180_000);

  /** The results of one scenario, typed by the caller (each scenario has its own kind). */
  const resultsOf = <R>(name: SuiteReport['scenarios'][number]['scenario']): R[] => {
    const found = report.scenarios.find((s) => s.scenario === name);
    if (!found) throw new Error(`no ${name} in the report`);
    return found.results as R[];
  };

  it('ran the product and both bare ws baselines; RabbitMQ ran or says why not', () => {
    for (const skip of report.skipped) console.log(`[skip] ${skip.target}: ${skip.reason}`);
    // A scenario that fails on a target no longer stops the run: it is listed, and here it fails the test.
    expect(report.failed).toEqual([]);
    for (const target of ['product', 'bare-ws', 'bare-ws-stored'] as const)
      expect(report.skipped.map((s) => s.target)).not.toContain(target);
    const ran = new Set(resultsOf<LoadResult>('fanout').map((r) => r.target));
    for (const target of ['product', 'bare-ws', 'bare-ws-stored', 'rabbitmq'] as const)
      expect(ran.has(target) || report.skipped.some((s) => s.target === target)).toBe(true);
    expect(output).toMatch(/CPU per delivery [0-9.]+× bare ws, [0-9.]+× bare ws \+ store, /);
  });

  it.each(['fanout', 'many-rooms', 'big-room'] as const)(
    '%s: every line reached every subscriber once, in order',
    (name) => {
      const results = resultsOf<LoadResult>(name);
      expect(results.length).toBeGreaterThanOrEqual(2);
      for (const r of results) {
        expect(r.sent, r.target).toBeGreaterThan(0);
        expect(r.expected, r.target).toBeGreaterThan(r.sent - 1);
        expect({
          target: r.target,
          delivered: r.delivered,
          lost: r.lost,
          duplicated: r.duplicated,
          outOfOrder: r.outOfOrder,
          refused: r.refused,
        }).toEqual({
          target: r.target,
          delivered: r.expected,
          lost: 0,
          duplicated: 0,
          outOfOrder: 0,
          refused: 0,
        });
        expect(r.receipt.count, r.target).toBe(r.sent);
        for (const figure of [
          r.deliveriesPerSecond,
          r.latency.p50,
          r.latency.p99,
          r.serverCpuNsPerDelivery,
          r.serverRssMb,
          r.setupMs,
        ])
          expect(Number.isFinite(figure) && figure >= 0, r.target).toBe(true);
        expect(r.latency.p50).toBeLessThanOrEqual(r.latency.p99);
      }
    },
  );

  it('saturation: the ladder rose until a step was not clean, then refined between, and the highest clean rate is one of the steps', () => {
    const { rates, refinements } = SMOKE.saturation;
    for (const r of resultsOf<SaturationResult>('saturation')) {
      expect(r.steps.length, r.target).toBeGreaterThan(0);
      const firstNotClean = r.steps.findIndex((step) => !isClean(step));
      const ladder = firstNotClean < 0 ? r.steps : r.steps.slice(0, firstNotClean + 1);
      expect(ladder.map((s) => s.rate)).toEqual(rates.slice(0, ladder.length));
      // The refinement stays strictly between the last clean rung and the first that was not.
      const refined = r.steps.slice(ladder.length).map((s) => s.rate);
      expect(refined.length).toBeLessThanOrEqual(refinements);
      const below = firstNotClean > 0 ? rates[firstNotClean - 1] : 0;
      for (const rate of refined) {
        expect(rate).toBeGreaterThan(below);
        expect(rate).toBeLessThan(rates[firstNotClean]);
      }
      if (r.highestClean > 0) expect(r.steps.map((s) => s.deliveriesPerSecond)).toContain(r.highestClean);
      // Reaching the top means every step ran, and every one was clean.
      expect(r.reachedTop, r.target).toBe(
        r.steps.length === rates.length && r.steps.every((step) => isClean(step)),
      );
    }
  });

  it('idle and big-room setup: every connection was made, memory and phase times are reported', () => {
    for (const r of resultsOf<IdleResult>('idle')) {
      expect(r.connections).toBe(SMOKE.idle.connections);
      expect(Number.isFinite(r.kbPerConnection)).toBe(true);
      expect(r.rssAfterMb).toBeGreaterThan(0);
    }
    const setup = resultsOf<SetupResult>('big-room-setup');
    expect(setup.filter((r) => r.target === 'product').map((r) => r.members)).toEqual([10, 40]);
    for (const r of setup) expect([r.connectMs, r.joinMs, r.subscribeMs].every((v) => v >= 0)).toBe(true);
  });

  it("line cost: every line of a room's sender was answered, and its server CPU is reported", () => {
    const results = resultsOf<LineCostResult>('line-cost');
    expect(results.filter((r) => r.target === 'product').map((r) => r.members)).toEqual([5, 20]);
    for (const r of results) {
      expect(r.lines, r.target).toBeGreaterThan(0);
      expect(r.receipt.count, r.target).toBe(r.lines);
      expect(Number.isFinite(r.cpuUsPerLine) && r.cpuUsPerLine >= 0, r.target).toBe(true);
    }
  });

  it('prints the report with ratios against the baseline', () => {
    expect(output).toContain('### fanout');
    expect(output).toMatch(/ratios \(product ÷\): CPU per delivery \d+\.\d\d× bare ws/);
  });
});

/**
 * Web clients reach STOMP through the gateway's /ws-chat (on its own thread in the single node):
 * the same fan-out smoke with every subscriber and sender connected there.
 */
describe('bench smoke run through the gateway (--targets=product-gateway)', () => {
  it('fanout: every line reached every subscriber once, in order', async () => {
    const { report } = await runSmoke<SuiteReport>(main, 60_000, ['fanout', '--targets=product-gateway']);
    expect(report.skipped).toEqual([]);
    expect(report.failed).toEqual([]);
    const [result] = report.scenarios.find((s) => s.scenario === 'fanout')!.results as LoadResult[];
    expect(result.target).toBe('product-gateway');
    expect(result.sent).toBeGreaterThan(0);
    expect({ delivered: result.delivered, lost: result.lost, duplicated: result.duplicated }).toEqual({
      delivered: result.expected,
      lost: 0,
      duplicated: 0,
    });
    expect(result.outOfOrder).toBe(0);
    expect(result.refused).toBe(0);
  }, 70_000);

  it('idle: opens only the connections the server has descriptors for, and says why', async () => {
    // 300 descriptors: room for the smoke's 100 idle clients at one each (the chat port), not at
    // three each (through the gateway, which holds each client's socket and its tunnel's two ends).
    const { report, output } = await runSmoke<SuiteReport>(
      main,
      90_000,
      ['idle', '--targets=product,product-gateway'],
      ['prlimit', '--nofile=300:300', '--'],
    );
    expect(report.failed).toEqual([]);
    const results = report.scenarios.find((s) => s.scenario === 'idle')!.results;
    const direct = results.find((r) => r.target === 'product')!;
    const gateway = results.find((r) => r.target === 'product-gateway')!;
    expect(direct).toMatchObject({ connections: SMOKE.idle.connections });
    expect(direct.cappedBy).toBeUndefined();
    expect(gateway.connections).toBeLessThan(SMOKE.idle.connections);
    expect(gateway.connections % SMOKE.idle.perRoom).toBe(0);
    expect(gateway.cappedBy).toMatch(/^open-file limit 300 at 3\.\d descriptors per connection$/);
    expect(output).toContain(
      `product-gateway: ${gateway.connections} connections, not more: open-file limit 300`,
    );
  }, 100_000);
});

/**
 * The product's CPU per delivery ÷ `against`'s, as the report prints it for two rounds: the median
 * (of two, their mean), then each round's ratio.
 */
function cpuRatioOverTwoRounds(results: readonly LoadResult[], against: string): string {
  const cpu = (target: string, round: number) =>
    results.find((r) => r.target === target && r.round === round)!.serverCpuNsPerDelivery;
  const perRound = [1, 2].map((round) => cpu('product', round) / cpu(against, round));
  const median = (perRound[0] + perRound[1]) / 2;
  return `${median.toFixed(2)}× (rounds: ${perRound.map((v) => `${v.toFixed(2)}×`).join(', ')})`;
}

/**
 * `--rounds=2`: every target runs the scenario twice, alternating, and the ratios are taken within
 * a round (a shared machine drifts over the minutes of a run; a ratio of two runs minutes apart
 * drifts less than one of two runs an hour apart).
 */
describe('bench smoke run in alternating rounds (--rounds=2)', () => {
  it('fanout: each target ran in rounds 1 and 2, and the printed ratio is the median of the per-round ones', async () => {
    const { report, output } = await runSmoke<SuiteReport>(main, 90_000, [
      'fanout',
      '--targets=product,bare-ws',
      '--rounds=2',
    ]);
    expect(report.failed).toEqual([]);
    expect(report.rounds).toBe(2);
    const results = report.scenarios.find((s) => s.scenario === 'fanout')!.results as LoadResult[];
    expect(results.map((r) => `${r.target} ${r.round}`)).toEqual([
      'product 1',
      'bare-ws 1',
      'product 2',
      'bare-ws 2',
    ]);
    expect(output).toContain(`CPU per delivery ${cpuRatioOverTwoRounds(results, 'bare-ws')} bare ws`);
    expect(output).toContain('| product #2 |');
  }, 100_000);
});

/**
 * `--baseline=CHECKOUT`: another build of the product runs as target `baseline`, first in every
 * round, and the report gives the product's ratios to it. Here the other checkout is this one,
 * so both ran the same build; the test checks the pairing, not a speed.
 */
describe('bench smoke run paired against another build (--baseline=)', () => {
  it('fanout and idle: the baseline ran first in each round, and the ratios to it are printed', async () => {
    const { report, output } = await runSmoke<SuiteReport>(main, 120_000, [
      'fanout',
      'idle',
      '--targets=product',
      '--rounds=2',
      `--baseline=${join(__dirname, '..', '..')}`,
    ]);
    expect(report.failed).toEqual([]);
    expect(report.skipped).toEqual([]);
    const fanout = report.scenarios.find((s) => s.scenario === 'fanout')!.results as LoadResult[];
    expect(fanout.map((r) => `${r.target} ${r.round}`)).toEqual([
      'baseline 1',
      'product 1',
      'baseline 2',
      'product 2',
    ]);
    for (const r of fanout)
      expect({ target: r.target, lost: r.lost, delivered: r.delivered }).toEqual({
        target: r.target,
        lost: 0,
        delivered: r.expected,
      });
    expect(output).toContain(
      `ratios (product ÷ baseline, the other build): CPU per delivery ${cpuRatioOverTwoRounds(fanout, 'baseline')}; p99 `,
    );
    const idle = report.scenarios.find((s) => s.scenario === 'idle')!.results;
    expect(idle.map((r) => r.target)).toEqual(['baseline', 'product', 'baseline', 'product']);
    expect(output).toMatch(
      // A round's RSS may fall over so few connections: its ratio is then '–' (report.spec.ts).
      /ratios \(product ÷ baseline, the other build\): RSS per connection (\d+\.\d\d×|–) \(rounds: (\d+\.\d\d×|–), (\d+\.\d\d×|–)\)/,
    );
    expect(output).toContain('| baseline #2 |');
  }, 130_000);
});
