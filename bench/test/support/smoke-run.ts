import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs a built bench entry point (`bench/dist/…`) with `--smoke --json=FILE` in a process of its
 * own, as CI does, and returns what it printed and the report it wrote (its temp folder is gone
 * when this returns).
 */
export async function runSmoke<Report>(
  script: string,
  timeoutMs: number,
  /** More arguments, e.g. scenarios and `--targets=…`. */
  args: readonly string[] = [],
  /** A command the bench runs under, e.g. `['prlimit', '--nofile=300:300', '--']`. */
  wrapper: readonly string[] = [],
): Promise<{ output: string; report: Report }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  try {
    const json = join(dir, 'report.json');
    const [command, ...rest] = [...wrapper, process.execPath, script, '--smoke', `--json=${json}`, ...args];
    const { stdout } = await run(command, rest, {
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { output: stdout, report: JSON.parse(readFileSync(json, 'utf8')) as Report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
