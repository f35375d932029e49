import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@playlist-chat/platform/testing';
import { startSingleNode } from '../../src/single-node';
import { launchChromium, person, type Person } from './browser';

export interface TwoPeople {
  readonly ann: Person;
  readonly ben: Person;
  /** The gateway's URL. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The real product in one process (presence, chat, gateway) on a fresh data folder, and two
 * people in separate browser contexts of Debian's Chromium, as the web client tests need them;
 * `env` adds or overrides settings.
 */
export async function twoPeopleOnSingleNode(env: Record<string, string> = {}): Promise<TwoPeople> {
  const dataDir = mkdtempSync(join(tmpdir(), 'web-client-'));
  const node = await startSingleNode(
    {
      GATEWAY_PORT: String(await freePort()),
      GATEWAY_HOST: '127.0.0.1',
      CHAT_PORT: '0',
      PRESENCE_PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      ...env,
    },
    { print: () => {} },
  );
  const browser = await launchChromium();
  return {
    ann: await person(browser, node.gateway.url),
    ben: await person(browser, node.gateway.url),
    url: node.gateway.url,
    async close() {
      await browser.close();
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Settings for dev tokens that expire after `seconds`, with no clock tolerance: sign-in expiry tests. */
export const tokensLasting = (seconds: number): Record<string, string> => ({
  AUTH_DEV_TOKEN_TTL_SECONDS: String(seconds),
  AUTH_CLOCK_TOLERANCE_SECONDS: '0',
});
