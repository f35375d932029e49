import './telemetry';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { gatewaySettings } from '@playlist-chat/gateway';
import { exitOnStartFailure, loadSettings, runStandalone } from '@playlist-chat/platform';
import { startSingleNode } from './single-node';

/** The repository root: two folders up from single-node/src (tests) or single-node/dist (`npm start`). */
const repoRoot = join(__dirname, '..', '..');

/** `.env` at the repository root fills in what the real environment does not set (real variables win). */
function loadDotEnv(): void {
  const file = join(repoRoot, '.env');
  if (!existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (process.env[name] === undefined) process.env[name] = value;
  }
}

const ORPHAN_CHECK_MS = 500;

/**
 * `npm start` runs us under `sh -c`, and a SIGTERM sent to npm (a supervisor, `kill <npm pid>`)
 * ends that shell without reaching us. When whoever started us is gone, stop the same graceful
 * way instead of lingering as an orphan holding the ports.
 */
function stopWhenOrphaned(stop: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop();
  }, ORPHAN_CHECK_MS);
  timer.unref();
}

function main(): void {
  loadDotEnv();
  const { shutdownTimeoutMs } = loadSettings(gatewaySettings, process.env);
  // Exit 0 once everything stopped in time, 1 when forced; npm's forwarded copy of a Ctrl+C is ignored.
  runStandalone(() => startSingleNode(process.env), {
    timeoutMs: shutdownTimeoutMs,
    onRunning: (stop) => stopWhenOrphaned(() => stop('parent process gone')),
  });
}

try {
  main();
} catch (error) {
  exitOnStartFailure(error);
}
