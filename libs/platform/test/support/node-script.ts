import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { transformFile, type Options } from '@swc/core';

const sourceRoot = join(__dirname, '..', '..', 'src');
const swcOptions = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', '..', '.swcrc'), 'utf8'),
) as Options;

/**
 * Compiles platform sources the way the build does (SWC, `.swcrc`, CommonJS) into a fresh temp
 * dir, so a real `node` process can run them without a prior `npm run build`. Paths are relative
 * to `libs/platform/src`; only modules without package imports can be listed.
 */
export async function compilePlatform(files: readonly string[]): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'platform-compiled-'));
  for (const file of files) {
    const { code } = await transformFile(join(sourceRoot, file), {
      ...swcOptions,
      swcrc: false,
      sourceMaps: false,
    });
    const target = join(out, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
  return out;
}

export interface NodeProcess {
  readonly pid: number;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Writes `source` as a CommonJS script into `dir` and runs it with this `node`. */
export function runNodeScript(dir: string, source: string, args: readonly string[] = []): NodeProcess {
  const script = join(dir, `script-${process.hrtime.bigint()}.js`);
  writeFileSync(script, source);
  const child = spawn(process.execPath, [script, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid!,
    output: () => output,
    exited,
    kill: (signal) => void child.kill(signal),
  };
}
