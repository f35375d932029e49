import type { LoadResult } from './scenarios';
import type { SuiteReport } from './suite';
import type { TargetName } from './targets/target';

const ms = (v: number) => `${v.toFixed(1)} ms`;
const int = (v: number) => Math.round(v).toLocaleString('en-US');

function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}

/** ours ÷ theirs, for a figure where `higherIsBetter` says which way is good; '–' when either is missing. */
function ratio(results: { target: TargetName }[], pick: (r: never) => number, against: TargetName): string {
  const ours = results.find((r) => r.target === 'product');
  const theirs = results.find((r) => r.target === against);
  if (!ours || !theirs) return '–';
  const value = pick(ours as never) / pick(theirs as never);
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '–';
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
      r.target,
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

/** The report as Markdown: one table per scenario, then the product's ratios to bare ws and to RabbitMQ. */
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
          `ratios (product ÷): CPU per delivery ${ratio(s.results, (r: LoadResult) => r.serverCpuNsPerDelivery, 'bare-ws')} bare ws, ${ratio(s.results, (r: LoadResult) => r.serverCpuNsPerDelivery, 'rabbitmq')} RabbitMQ; p99 ${ratio(s.results, (r: LoadResult) => r.latency.p99, 'bare-ws')} bare ws, ${ratio(s.results, (r: LoadResult) => r.latency.p99, 'rabbitmq')} RabbitMQ`,
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
              r.target,
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
          `ratios (product ÷): highest clean rate ${ratio(s.results, (r: { highestClean: number }) => r.highestClean, 'bare-ws')} bare ws, ${ratio(s.results, (r: { highestClean: number }) => r.highestClean, 'rabbitmq')} RabbitMQ; CPU per delivery ${ratio(s.results, (r: { cpuNsPerDeliveryAtHighest: number }) => r.cpuNsPerDeliveryAtHighest, 'bare-ws')} bare ws`,
        );
        const topped = s.results.filter((r) => r.reachedTop).map((r) => r.target);
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
              r.target,
              int(r.connections),
              `${int(r.rssBeforeMb)} MB`,
              `${int(r.rssAfterMb)} MB`,
              `${r.kbPerConnection.toFixed(1)} KB`,
              `${(r.setupMs / 1000).toFixed(1)} s`,
            ]),
          ),
        );
        for (const r of s.results)
          if (r.cappedBy) out.push(`${r.target}: ${int(r.connections)} connections, not more: ${r.cappedBy}`);
        out.push(
          `ratios (product ÷): RSS per connection ${ratio(s.results, (r: { kbPerConnection: number }) => r.kbPerConnection, 'bare-ws')} bare ws, ${ratio(s.results, (r: { kbPerConnection: number }) => r.kbPerConnection, 'rabbitmq')} RabbitMQ`,
        );
        break;
      case 'big-room-setup':
        out.push(
          table(
            ['target', 'members', 'connect', 'join (all)', 'subscribe (all)', 'join + subscribe per member'],
            s.results.map((r) => [
              r.target,
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
              r.target,
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
