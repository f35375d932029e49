import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/repo-root';

/** A 64 KiB tmpfs, filled up. Needs root (mount): without it the suite says so and is skipped. */
function fullDisk(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  try {
    writeFileSync(join(dir, 'filler'), Buffer.alloc(128 * 1024));
  } catch {
    // ENOSPC: full, as wanted
  }
  return dir;
}

/** `npm start` on `dataDir`; resolves once it exited (killed past 30 s). */
function start(dataDir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('node', ['single-node/dist/main.js'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      GATEWAY_PORT: '0',
      CHAT_PORT: '0',
      PRESENCE_PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      LOG_LEVEL: 'info',
    },
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

const disk = fullDisk();
if (!disk) console.log('start-up-full-disk: cannot mount a tmpfs (not root?); skipped');

describe.skipIf(!disk)('npm start on a fresh data folder with a full disk', () => {
  afterAll(() => {
    execFileSync('umount', [disk!]);
    rmSync(disk!, { recursive: true, force: true });
  });

  it('stops naming the secret file and the cause, and leaves no temporary file behind', async () => {
    const { code, output } = await start(disk!);

    expect(code).not.toBe(0);
    expect(output).toContain(
      `cannot write the generated AUTH_JWT_SECRET file ${join(disk!, 'auth-secret')}: ENOSPC: no space left on device`,
    );
    expect(readdirSync(disk!)).toEqual(['filler']);
  });
});
