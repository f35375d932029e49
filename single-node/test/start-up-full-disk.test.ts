import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountTmpfs, tmpfsProblem, type Tmpfs } from '@playlist-chat/platform/testing';
import { repoRoot } from './support/repo-root';

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

const cannotMount = tmpfsProblem();
if (cannotMount) console.log(`start-up-full-disk.test.ts skipped: ${cannotMount}`);

describe.skipIf(cannotMount !== undefined)('npm start on a fresh data folder with a full disk', () => {
  let disk: Tmpfs;
  beforeAll(() => {
    disk = mountTmpfs('64k');
    disk.fill();
  });
  afterAll(() => disk?.unmount());

  it('stops naming the secret file and the cause, and leaves no temporary file behind', async () => {
    const { code, output } = await start(disk.dir);

    expect(code).not.toBe(0);
    expect(output).toContain(
      `cannot write the generated AUTH_JWT_SECRET file ${join(disk.dir, 'auth-secret')}: ENOSPC: no space left on device`,
    );
    expect(readdirSync(disk.dir)).toEqual(['filler']);
  });
});
