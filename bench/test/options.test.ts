import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Runs a bench entry point expected to refuse its arguments; returns its exit code and stderr. */
const refused = (entry: string, args: string[]) =>
  run(process.execPath, [entry, ...args], { timeout: 20_000 }).then(
    () => null,
    (error: { code?: number; stderr?: string }) => error,
  );

/**
 * An option a bench did not know used to be ignored, so `--help` (or a typo) started the work:
 * the e2e suite (minutes of load), the REST bench (seeding 10,000 rooms and the product).
 */
describe.each([
  {
    bench: 'bench',
    entry: join(__dirname, '..', 'dist', 'main.js'),
    usage: 'usage: npm run bench',
    started: 'fanout',
    typo: '--targtes=product',
  },
  {
    bench: 'REST bench',
    entry: join(__dirname, '..', 'dist', 'rest', 'main.js'),
    usage: 'usage: node bench/dist/rest/main.js',
    started: 'seeding',
    typo: '--durtion=5',
  },
  {
    bench: 'multi-process REST bench',
    entry: join(__dirname, '..', 'dist', 'rest', 'processes.js'),
    usage: 'usage: node bench/dist/rest/processes.js',
    started: 'REST from 1',
    typo: '--chats=2',
  },
  {
    bench: 'line probe',
    entry: join(__dirname, '..', 'dist', 'line-probe.js'),
    usage: 'usage: node bench/dist/line-probe.js',
    started: 'lines to',
    typo: '--subscriber=5',
  },
])('$bench options', ({ entry, usage, started, typo }) => {
  it('--help prints the usage and runs nothing', async () => {
    const { stdout } = await run(process.execPath, [entry, '--help'], { timeout: 20_000 });
    expect(stdout).toContain(usage);
    expect(stdout).not.toContain(started);
  });

  it('an unknown option is refused before anything starts', async () => {
    const failure = await refused(entry, [typo]);
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toContain(`unknown option(s) ${typo}`);
  });
});

describe('REST bench number options', () => {
  it('a number option that is not a number is refused before anything starts', async () => {
    const notANumber = await refused(join(__dirname, '..', 'dist', 'rest', 'main.js'), ['--duration=ten']);
    expect(notANumber?.code).not.toBe(0);
    expect(notANumber?.stderr).toContain('--duration must be a number of at least 1, got "ten"');
  });
});

describe('bench targets', () => {
  it('an unknown target is refused before anything starts, naming the known ones', async () => {
    const failure = await refused(join(__dirname, '..', 'dist', 'main.js'), [
      'fanout',
      '--targets=product,nats',
    ]);
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toContain(
      'unknown target(s) nats; known: product, bare-ws, bare-ws-stored, rabbitmq, product-gateway',
    );
  });
});

describe('bench baseline', () => {
  it('a checkout without a built single node is refused before anything starts', async () => {
    const failure = await refused(join(__dirname, '..', 'dist', 'main.js'), [
      'fanout',
      '--baseline=/nonexistent',
    ]);
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toContain('--baseline=/nonexistent: no built single node there');
  });
});
