import { spawn } from 'node:child_process';
import { repoRoot } from './repo-root';

/** `node single-node/dist/main.js` with these variables; resolves once it exited (killed past 30 s). */
export function runMain(
  env: Record<string, string>,
  main = 'single-node/dist/main.js',
): Promise<{ code: number | null; output: string }> {
  const child = spawn('node', [main], {
    cwd: repoRoot,
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}
