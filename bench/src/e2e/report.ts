import { median } from './histogram';
import { labelOf, type LoadResult, type TargetResult } from './scenarios';
import type { SuiteReport } from './suite';
import type { TargetName } from './targets/target';

const ms = (v: number) => `${v.toFixed(1)} ms`;
const int = (v: number) => Math.round(v).toLocaleString('en-US');

function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}

/**
 * The product's figure ÷ `against`'s, taken within each round (the two ran minutes apart, not an
 * hour): one ratio, or with several rounds their median and each one; '–' when either is missing.
 */
function ratio<R extends TargetResult>(
  results: readonly R[],
  pick: (r: R) => number,
  against: TargetName,
): string {
  // A round whose figure is zero or below on either side has no ratio ('–' in its place): an
  // idle run too small to rise above the collector's noise can end with less RSS than it began.
  const rounds: (number | null)[] = [];
  for (const ours of results.filter((r) => r.target === 'product')) {
    const theirs = results.find((r) => r.target === against && r.round === ours.round);
    if (!theirs) continue;
    const [mine, other] = [pick(ours), pick(theirs)];
    rounds.push(mine > 0 && other > 0 ? mine / other : null);
  }
  const ratios = rounds.filter((value): value is number => value !== null);
  const each =
    rounds.length > 1
      ? ` (rounds: ${rounds.map((v) => (v === null ? '–' : `${v.toFixed(2)}×`)).join(', ')})`
      : '';
  return `${ratios.length ? `${median(ratios).toFixed(2)}×` : '–'}${each}`;
}

/** How the report names each peer the product is compared with. */
const PEER_NAMES: Partial<Record<TargetName, string>> = {
  'bare-ws': 'bare ws',
  'bare-ws-stored': 'bare ws + store',
  rabbitmq: 'RabbitMQ',
};

/**
 * The product's ratio to each peer, e.g. "1.10× bare ws, 2.31× bare ws + store, 0.70× RabbitMQ";
 * `bare-ws-stored` only when it ran, so a run that names its targets reads as before.
 */
function peers<R extends TargetResult>(
  results: readonly R[],
  pick: (r: R) => number,
  names: readonly TargetName[] = ['bare-ws', 'bare-ws-stored', 'rabbitmq'],
): string {
  return names
    .filter((name) => name !== 'bare-ws-stored' || results.some((r) => r.target === name))
    .map((name) => `${ratio(results, pick, name)} ${PEER_NAMES[name]}`)
    .join(', ');
}

/**
 * With `--baseline=`: the product ÷ the other build, per figure, taken within each round as
 * above; nothing when the baseline did not run.
 */
function baselineLine<R extends TargetResult>(
  results: readonly R[],
  figures: ReadonlyArray<readonly [string, (r: R) => number]>,
): string[] {
  if (!results.some((r) => r.target === 'baseline')) return [];
  const each = figures.map(([name, pick]) => `${name} ${ratio(results, pick, 'baseline')}`);
  return [`ratios (product ÷ baseline, the other build): ${each.join('; ')}`];
}

function loadTable(results: LoadResult[]): string {
  return table(
    [
      'target',
      'sent',
      'expected',
      'delivered',
      'lost',
      'dup',
      'out of order',
      'refused',
      'deliveries/s',
      'p50',
      'p95',
      'p99',
      'max',
      'send→RECEIPT p50 / p99',
      'server CPU',
      'CPU per delivery',
      'server RSS',
      'setup',
      'generator CPU / loop p99',
    ],
    results.map((r) => [
      labelOf(r),
      int(r.sent),
      int(r.expected),
      int(r.delivered),
      int(r.lost),
      int(r.duplicated),
      int(r.outOfOrder),
      int(r.refused),
      int(r.deliveriesPerSecond),
      ms(r.latency.p50),
      ms(r.latency.p95),
      ms(r.latency.p99),
      ms(r.latency.max),
      r.receipt.count ? `${ms(r.receipt.p50)} / ${ms(r.receipt.p99)}` : '–',
      `${(r.serverCpuShare * 100).toFixed(0)} % of a core`,
      `${(r.serverCpuNsPerDelivery / 1000).toFixed(1)} µs`,
      `${int(r.serverRssMb)} MB`,
      `${(r.setupMs / 1000).toFixed(1)} s`,
      `${(r.generatorCpuShare * 100).toFixed(0)} % / ${ms(r.generatorLoopDelayP99Ms)}`,
    ]),
  );
}

/** The report as Markdown: one table per scenario, then the product's ratios to bare ws and to RabbitMQ (and to the baseline build, when it ran). */
export function formatReport(report: SuiteReport): string {
  const out: string[] = [];
  for (const s of report.scenarios) {
    out.push(`### ${s.scenario}`);
    switch (s.scenario) {
      case 'fanout':
      case 'many-rooms':
      case 'big-room':
        out.push(loadTable(s.results));
        out.push(
          `ratios (product ÷): CPU per delivery ${peers(s.results, (r) => r.serverCpuNsPerDelivery)}; p99 ${peers(s.results, (r) => r.latency.p99)}`,
          ...baselineLine(s.results, [
            ['CPU per delivery', (r) => r.serverCpuNsPerDelivery],
            ['p99', (r) => r.latency.p99],
          ]),
        );
        break;
      case 'saturation': {
        out.push(
          table(
            [
              'target',
              'highest clean deliveries/s',
              'CPU per delivery there',
              'steps (msg/s: deliveries/s, p99, lost)',
            ],
            s.results.map((r) => [
              labelOf(r),
              int(r.highestClean),
              `${(r.cpuNsPerDeliveryAtHighest / 1000).toFixed(1)} µs`,
              r.steps
                .map(
                  (step) =>
                    `${step.rate}: ${int(step.deliveriesPerSecond)}, ${ms(step.latency.p99)}, ${int(step.lost)}`,
                )
                .join('; '),
            ]),
          ),
        );
        out.push(
          `ratios (product ÷): highest clean rate ${peers(s.results, (r) => r.highestClean)}; CPU per delivery ${peers(s.results, (r) => r.cpuNsPerDeliveryAtHighest, ['bare-ws', 'bare-ws-stored'])}`,
          ...baselineLine(s.results, [
            ['highest clean rate', (r) => r.highestClean],
            ['CPU per delivery', (r) => r.cpuNsPerDeliveryAtHighest],
          ]),
        );
        const topped = s.results.filter((r) => r.reachedTop).map(labelOf);
        if (topped.length)
          out.push(
            `${topped.join(', ')}: clean at every step, so the highest clean rate is at least the last step's; a ratio between two such targets says nothing`,
          );
        break;
      }
      case 'idle':
        out.push(
          table(
            ['target', 'connections', 'RSS before', 'RSS after', 'per connection', 'setup'],
            s.results.map((r) => [
              labelOf(r),
              int(r.connections),
              `${int(r.rssBeforeMb)} MB`,
              `${int(r.rssAfterMb)} MB`,
              `${r.kbPerConnection.toFixed(1)} KB`,
              `${(r.setupMs / 1000).toFixed(1)} s`,
            ]),
          ),
        );
        for (const r of s.results)
          if (r.cappedBy)
            out.push(`${labelOf(r)}: ${int(r.connections)} connections, not more: ${r.cappedBy}`);
        out.push(
          `ratios (product ÷): RSS per connection ${peers(s.results, (r) => r.kbPerConnection, ['bare-ws', 'rabbitmq'])}`,
          ...baselineLine(s.results, [['RSS per connection', (r) => r.kbPerConnection]]),
        );
        break;
      case 'big-room-setup':
        out.push(
          table(
            ['target', 'members', 'connect', 'join (all)', 'subscribe (all)', 'join + subscribe per member'],
            s.results.map((r) => [
              labelOf(r),
              int(r.members),
              ms(r.connectMs),
              ms(r.joinMs),
              ms(r.subscribeMs),
              ms((r.joinMs + r.subscribeMs) / r.members),
            ]),
          ),
        );
        break;
      case 'line-cost':
        out.push(
          table(
            ['target', 'room members (offline)', 'lines', 'server CPU per line', 'send→RECEIPT p50 / p99'],
            s.results.map((r) => [
              labelOf(r),
              int(r.members),
              int(r.lines),
              `${r.cpuUsPerLine.toFixed(0)} µs`,
              `${ms(r.receipt.p50)} / ${ms(r.receipt.p99)}`,
            ]),
          ),
        );
        break;
    }
    out.push('');
  }
  for (const skip of report.skipped) out.push(`[skip] ${skip.target}: ${skip.reason}`);
  for (const failure of report.failed)
    out.push(`[fail] ${failure.target} in ${failure.scenario}: ${failure.reason}`);
  for (const [target, notes] of Object.entries(report.notes))
    if (notes.length) out.push(`${target}: ${notes.join(', ')}`);
  return out.join('\n');
}
