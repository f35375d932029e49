import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
// The same private redis-server the tests start: a temp dir, a free port, no persistence.
import { startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';

/**
 * The watchdog of `npm run cluster:local` (`cluster-watchdog.js`, started by the launcher, never
 * by hand): a process of its own session, so a Ctrl+C in the terminal does not reach it, that
 * runs the private redis-server and outlives the launcher. When the launcher disappears without
 * stopping the cluster (SIGKILL, a crash), it stops the apps the graceful way (SIGTERM), then
 * Redis, and removes Redis's temp folder. It loads none of the apps' code: it starts in ~50 ms.
 */

/** What the launcher tells its watchdog. */
export type ToWatchdog =
  | { readonly kind: 'start'; readonly privateRedis: boolean; readonly appsStopWithinMs: number }
  | { readonly kind: 'app-started' | 'app-exited'; readonly pid: number }
  | { readonly kind: 'stop' };

/** What the watchdog answers, once. */
export type FromWatchdog =
  | { readonly kind: 'ready'; readonly redisUrl?: string }
  | { readonly kind: 'failed'; readonly message: string };

/**
 * The watchdog. Its life is the launcher's: it ends when the launcher
 * says so, after the apps stopped, or once the launcher is gone and the apps with it. So it
 * ignores the signals a terminal or `pkill` sends, which are the launcher's to act on.
 */
function watchOverCluster(): void {
  if (!process.send) {
    console.error('cluster-watchdog.js is started by npm run cluster:local, not by hand');
    process.exit(2);
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
  // The terminal it shares may be gone when it writes.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const apps = new Set<number>();
  let appsStopWithinMs = 15_000;
  let redis: Promise<TestRedis | undefined> = Promise.resolve(undefined);
  let ending = false;
  const end = async (): Promise<void> => {
    ending = true;
    const started = await redis.catch(() => undefined);
    await started?.stop();
    process.exit(0);
  };
  const answer = (message: FromWatchdog) => {
    if (process.connected) process.send?.(message);
  };
  process.on('message', (received) => {
    const message = received as ToWatchdog;
    switch (message.kind) {
      case 'start':
        appsStopWithinMs = message.appsStopWithinMs;
        if (message.privateRedis) redis = startRedisServer();
        redis.then(
          (started) => answer({ kind: 'ready', redisUrl: started?.url }),
          (error: unknown) =>
            answer({
              kind: 'failed',
              message: `cannot start a private redis-server (${error instanceof Error ? error.message : String(error)}): install Redis, or set REDIS_URL`,
            }),
        );
        break;
      case 'app-started':
        apps.add(message.pid);
        break;
      case 'app-exited':
        apps.delete(message.pid);
        break;
      case 'stop':
        if (!ending) void end();
        break;
    }
  });
  process.on('disconnect', () => {
    if (ending) return;
    ending = true;
    void stopOrphans([...apps], appsStopWithinMs).then(end);
  });
}

/**
 * The launcher is gone: stops its apps the graceful way (SIGTERM), each killed if still running
 * `withinMs` later, and resolves once none runs.
 */
async function stopOrphans(pids: number[], withinMs: number): Promise<void> {
  const running = () => pids.filter(isRunning);
  if (running().length === 0) return;
  console.error(
    `cluster:local: the launcher is gone; stopping its apps (pids ${running().join(', ')}), then Redis`,
  );
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // gone meanwhile
    }
  };
  for (const pid of running()) signal(pid, 'SIGTERM');
  const deadline = Date.now() + withinMs;
  while (running().length > 0 && Date.now() < deadline) await delay(100);
  for (const pid of running()) signal(pid, 'SIGKILL');
  while (running().length > 0 && Date.now() < deadline + 2_000) await delay(100);
}

/** Whether `pid` runs: it exists, and (where /proc tells) is no zombie waiting for whoever adopted it. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true;
  }
}

watchOverCluster();
