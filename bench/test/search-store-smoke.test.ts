import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repoRoot = join(__dirname, '..', '..');
const tool = join(repoRoot, 'bench', 'dist', 'search-store.js');

/**
 * `node bench/dist/search-store.js` on a tiny store, paired against this checkout itself, so the
 * tool never rots: both "builds" report their figures, find the same lines as fed and merged
 * (the tool fails otherwise), and the ratio line is printed. Speeds are the full run's business.
 */
describe('search-store bench, smoke run', () => {
  it('measures as fed and merged, finds the same lines in both builds, and prints the ratios', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [tool, '--lines=3000', '--batch=50', '--searches=300', '--rounds=1', `--baseline=${repoRoot}`],
      { timeout: 60_000 },
    );
    const lines = stdout.trim().split('\n');
    const figures =
      /^(baseline|ours) #1: ([\d.]+) µs a search as fed, ([\d.]+) µs merged; indexing [\d.]+ s; (\d+) lines found$/;
    const reports = lines.filter((line) => figures.test(line)).map((line) => figures.exec(line)!);
    expect(reports.map((match) => match[1])).toEqual(['baseline', 'ours']);
    for (const match of reports) {
      expect(Number(match[2])).toBeGreaterThan(0);
      expect(Number(match[3])).toBeGreaterThan(0);
    }
    const found = reports.map((match) => Number(match[4]));
    expect(found[0]).toBeGreaterThan(0);
    expect(found[1]).toBe(found[0]);
    expect(lines.at(-1)).toMatch(/^ours ÷ baseline per round: as fed [\d.]+×; merged [\d.]+×$/);
  }, 70_000);
});
