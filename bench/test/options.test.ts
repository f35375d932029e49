import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const main = join(__dirname, '..', 'dist', 'main.js');
const restMain = join(__dirname, '..', 'dist', 'rest', 'main.js');

/** Runs a bench entry point expected to refuse its arguments; returns its exit code and stderr. */
const refused = (entry: string, args: string[]) =>
  run(process.execPath, [entry, ...args], { timeout: 20_000 }).then(
    () => null,
    (error: { code?: number; stderr?: string }) => error,
  );

/** An option the bench does not know used to be ignored, so `--help` started the whole suite (minutes of load). */
describe('bench options', () => {
  it('--help prints the usage and runs nothing', async () => {
    const { stdout } = await run(process.execPath, [main, '--help'], { timeout: 20_000 });
    expect(stdout).toContain('usage: npm run bench');
    expect(stdout).not.toContain('fanout');
  });

  it('an unknown option is refused before anything starts', async () => {
    const failure = await refused(main, ['--targtes=product']);
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toContain('unknown option(s) --targtes=product');
  });
});

/** The REST bench had the same hole: `--help` seeded 10,000 rooms and started the product. */
describe('REST bench options', () => {
  it('--help prints the usage and runs nothing', async () => {
    const { stdout } = await run(process.execPath, [restMain, '--help'], { timeout: 20_000 });
    expect(stdout).toContain('usage: node bench/dist/rest/main.js');
    expect(stdout).not.toContain('seeding');
  });

  it('an unknown option, or a number option that is not a number, is refused before anything starts', async () => {
    const typo = await refused(restMain, ['--durtion=5']);
    expect(typo?.code).not.toBe(0);
    expect(typo?.stderr).toContain('unknown option(s) --durtion=5');
    const notANumber = await refused(restMain, ['--duration=ten']);
    expect(notANumber?.code).not.toBe(0);
    expect(notANumber?.stderr).toContain('--duration must be a number of at least 1, got "ten"');
  });
});
