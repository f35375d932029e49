import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './repo-root';

/**
 * Screenshots of the main views: into `test-output/screenshots` (ignored by git) on every run,
 * or over the committed ones in `docs/screenshots` with `UPDATE_DOCS=1`, like the other
 * generated docs, so a test run leaves the work tree clean.
 */
export const screenshotDir = process.env.UPDATE_DOCS
  ? join(repoRoot, 'docs', 'screenshots')
  : join(repoRoot, 'test-output', 'screenshots');

/** Debian's Chromium, headless (the brief's flags; no sandbox inside containers). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface Person {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors of the page's scripts: a test fails on any. */
  readonly pageErrors: string[];
  /** Every WebSocket frame the page sent (STOMP frames, as text), in order. */
  readonly sentFrames: string[];
}

/** A person in their own browser context (own storage, so their own sign-in). */
export async function person(browser: Browser, baseUrl: string): Promise<Person> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const sentFrames: string[] = [];
  page.on('websocket', (socket) =>
    socket.on('framesent', ({ payload }) => sentFrames.push(payload.toString())),
  );
  return { context, page, pageErrors, sentFrames };
}

export async function signIn({ page }: Person, nickName: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Nickname').fill(nickName);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My rooms' }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

/** Texts of the chat lines on screen, in order. */
export function talkLines(page: Page): Promise<string[]> {
  return page.locator('.messages .line.talk:not(.pending) .content').allTextContents();
}
