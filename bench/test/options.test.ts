import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const main = join(__dirname, '..', 'dist', 'main.js');

/** An option the bench does not know used to be ignored, so `--help` started the whole suite (minutes of load). */
describe('bench options', () => {
  it('--help prints the usage and runs nothing', async () => {
    const { stdout } = await run(process.execPath, [main, '--help'], { timeout: 20_000 });
    expect(stdout).toContain('usage: npm run bench');
    expect(stdout).not.toContain('fanout');
  });

  it('an unknown option is refused before anything starts', async () => {
    const failure = await run(process.execPath, [main, '--targtes=product'], { timeout: 20_000 }).then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toContain('unknown option(s) --targtes=product');
  });
});
