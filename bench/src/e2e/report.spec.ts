import { describe, expect, it } from 'vitest';
import { formatReport } from './report';
import type { IdleResult } from './scenarios';
import type { SuiteReport } from './suite';

const idle = (target: IdleResult['target'], round: number, kbPerConnection: number): IdleResult => ({
  target,
  round,
  connections: 100,
  rssBeforeMb: 280,
  rssAfterMb: 280 + (kbPerConnection * 100) / 1024,
  kbPerConnection,
  setupMs: 400,
});

const report = (results: IdleResult[]): string =>
  formatReport({
    scenarios: [{ scenario: 'idle', results }],
    skipped: [],
    failed: [],
    notes: {},
    rounds: 2,
  } satisfies SuiteReport);

describe('the report’s ratios', () => {
  it('leaves out a round whose figure fell to zero or below, instead of printing a negative ratio', () => {
    // The smoke run's 100 idle connections once ended with less RSS than they began (-4.4 KB).
    const out = report([
      idle('baseline', 1, 24.1),
      idle('product', 1, 15.3),
      idle('baseline', 2, -4.4),
      idle('product', 2, 27.7),
    ]);
    expect(out).toContain(
      'ratios (product ÷ baseline, the other build): RSS per connection 0.63× (rounds: 0.63×, –)',
    );
  });

  it('says – when no round has a ratio, and takes the median of those that do', () => {
    expect(
      report([
        idle('baseline', 1, 0),
        idle('product', 1, 12),
        idle('baseline', 2, 10),
        idle('product', 2, -1),
      ]),
    ).toContain('RSS per connection – (rounds: –, –)');
    expect(
      report([
        idle('baseline', 1, 10),
        idle('product', 1, 12),
        idle('baseline', 2, 10),
        idle('product', 2, 14),
      ]),
    ).toContain('RSS per connection 1.30× (rounds: 1.20×, 1.40×)');
  });
});
