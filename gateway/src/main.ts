import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, loadSettings } from '@playlist-chat/platform';
import { gatewaySettings } from './gateway.settings';
import { repoRoot } from './paths';
import { startSingleNode, type SingleNode } from './single-node';

/** `.env` at the repository root fills in what the real environment does not set (real variables win). */
function loadDotEnv(): void {
  const file = join(repoRoot, '.env');
  if (!existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (process.env[name] === undefined) process.env[name] = value;
  }
}

const REPEAT_GRACE_MS = 1_000;
const ORPHAN_CHECK_MS = 500;

/** Stops on the first SIGINT/SIGTERM: exit 0 when everything stopped in time, 1 when it had to be forced. */
function stopOnSignals(node: SingleNode, timeoutMs: number): void {
  let stoppingSince: number | undefined;
  const stop = (signal: string) => {
    if (stoppingSince !== undefined) {
      // `npm start` forwards the terminal's Ctrl+C, so one press arrives twice: only a later one forces.
      if (Date.now() - stoppingSince < REPEAT_GRACE_MS) return;
      console.log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    console.log(`${signal}: stopping (new connections refused, in-flight work finishing, deregistering)…`);
    const force = setTimeout(() => {
      console.error(`still stopping after ${timeoutMs} ms; exiting anyway`);
      process.exit(1);
    }, timeoutMs);
    force.unref();
    node.close().then(
      () => {
        console.log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('stopping failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  stopWhenOrphaned(() => stop('parent process gone'));
}

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

async function main(): Promise<void> {
  loadDotEnv();
  const { shutdownTimeoutMs } = loadSettings(gatewaySettings, process.env);
  const node = await startSingleNode(process.env);
  stopOnSignals(node, shutdownTimeoutMs);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
