import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountTmpfs, tmpfsProblem, type Tmpfs } from '@playlist-chat/platform/testing';
import { runMain } from './support/run-main';

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
    const { code, output } = await runMain({
      DATA_DIR: disk.dir,
      GATEWAY_PORT: '0',
      CHAT_PORT: '0',
      PRESENCE_PORT: '0',
    });

    expect(code).not.toBe(0);
    expect(output).toContain(
      `cannot write the generated AUTH_JWT_SECRET file ${join(disk.dir, 'auth-secret')}: ENOSPC: no space left on device`,
    );
    expect(readdirSync(disk.dir)).toEqual(['filler']);
  });
});
