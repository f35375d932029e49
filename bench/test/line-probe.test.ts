import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const probe = join(__dirname, '..', 'dist', 'line-probe.js');

/**
 * The per-line probe (`node bench/dist/line-probe.js`) against the real product and the bare
 * `ws` baseline, with tiny sizes, so it never rots: it must get every RECEIPT and print the
 * server's CPU per line. Its speed is the probe's business, not a test's.
 */
describe('line probe (bench/dist/line-probe.js)', () => {
  it.each(['product', 'bare-ws', 'bare-ws-stored'])(
    'posts lines into a room of %s and reports the CPU per line',
    async (target) => {
      const { stdout } = await run(
        process.execPath,
        [probe, `--target=${target}`, '--subscribers=3', '--lines=40'],
        { timeout: 90_000 },
      );
      expect(stdout).toMatch(
        new RegExp(
          `^${target}: 40 lines to 3 subscribers \\(\\+ the sender\\) in [0-9.]+ s; server CPU [0-9]+ µs per line$`,
          'm',
        ),
      );
    },
    100_000,
  );

  it('refuses a size that is not a whole number before anything starts', async () => {
    const failure = await run(process.execPath, [probe, '--lines=many'], { timeout: 20_000 }).then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('--lines must be a whole number of at least 1, got "many"');
  });
});
