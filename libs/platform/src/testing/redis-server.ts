import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts a private `redis-server` on a free port in a temp dir (no persistence), so tests
 * never share state with a machine-wide Redis. Fails loudly when no
 * `redis-server` binary is installed, the spawn fails and the error says so. It ends with the
 * process that started it, even one killed with SIGKILL (which cannot stop it), where util-linux's
 * `setpriv` can ask the kernel for that (Linux); elsewhere `stop()` alone ends it.
 */
export async function startRedisServer(options: { port?: number } = {}): Promise<TestRedis> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'test-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  // setpriv execs redis-server in its own place (same pid): SIGTERM to it once its parent is gone.
  const child: ChildProcess = SETPRIV
    ? spawn(SETPRIV, ['--pdeathsig', 'TERM', 'redis-server', ...args], { stdio: 'ignore' })
    : spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    // Through setpriv, a missing redis-server is an exit (127), not a spawn error.
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited (code ${code})${code === 127 ? ': it is not installed' : ''}`)),
    );
    const deadline = Date.now() + 5_000;
    const attempt = () => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not start on port ${port}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** util-linux's setpriv (Debian: essential, so on every machine and image), or undefined. */
const SETPRIV =
  process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find(existsSync) : undefined;
