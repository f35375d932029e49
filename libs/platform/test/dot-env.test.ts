import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDotEnv } from '@playlist-chat/platform/telemetry';

describe('loadDotEnv (npm start reads .env with it, before telemetry starts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dot-env-'));
  const file = join(dir, '.env');
  writeFileSync(file, '# a comment\nOTEL_SERVICE_NAME=from-file\nCHAT_PORT=18000\nLOG_LEVEL=debug\n');

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fills in what the environment lacks; a variable set there, even to "", wins', () => {
    const env: NodeJS.ProcessEnv = { CHAT_PORT: '9000', LOG_LEVEL: '' };

    loadDotEnv(file, env);

    expect(env).toEqual({ OTEL_SERVICE_NAME: 'from-file', CHAT_PORT: '9000', LOG_LEVEL: '' });
  });

  it('changes nothing when read again, and nothing when there is no file', () => {
    const env: NodeJS.ProcessEnv = { CHAT_PORT: '9000' };
    loadDotEnv(file, env);
    const once = { ...env };

    loadDotEnv(file, env);
    loadDotEnv(join(dir, 'absent.env'), env);

    expect(env).toEqual(once);
  });
});
