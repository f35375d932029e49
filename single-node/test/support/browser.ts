import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { repoRoot } from './repo-root';
import { devToken } from './test-node';

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

/**
 * The person chooses to appear offline in the room their page shows, from a second tab (same
 * sign-in): the first tab hears only that they are off, so it still sends, and the server
 * refuses the line (after which that tab holds lines back). Close the returned tab when done.
 */
export async function appearOfflineInAnotherTab({ context, page }: Person): Promise<Page> {
  const tab = await context.newPage();
  await tab.goto(page.url());
  await tab.getByRole('button', { name: 'Appear offline' }).click();
  await tab.getByRole('button', { name: 'Go online' }).waitFor();
  return tab;
}

/** Texts of the chat lines on screen, in order. */
export function talkLines(page: Page): Promise<string[]> {
  return page.locator('.messages .line.talk:not(.pending) .content').allTextContents();
}

/** Starts a chat from one of the lobby's sample playlists and waits for the room to open. */
export async function startChat({ page }: Person, playlist = 'Night Drive'): Promise<string> {
  await page
    .getByRole('listitem')
    .filter({ hasText: playlist })
    .getByRole('button', { name: 'Start chat' })
    .click();
  await page.getByRole('heading', { name: playlist, level: 1 }).waitFor();
  await page.locator('.messages .line').first().waitFor();
  return decodeURIComponent(page.url().split('#/room/')[1]);
}

/** What has keyboard focus, as a person would name it: tag, role, href and text. */
export function focused(page: Page): Promise<string> {
  return page.evaluate<string>(`(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return 'body';
    const role = element.getAttribute('role');
    const href = element.getAttribute('href');
    const name = element.getAttribute('aria-label') ?? element.textContent?.trim().slice(0, 40);
    return element.tagName.toLowerCase() + (role ? '[role=' + role + ']' : '') + (href ? '[href=' + href + ']' : '') + ' ' + name;
  })()`);
}

/** A dev-token user of the REST API through the gateway, for the people a test only needs as talkers. */
export async function restUser(url: string, uid: string, nickName = uid) {
  const accessToken = await devToken(url, uid, nickName);
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as unknown;
  };
  return {
    uid,
    /** Opens a room on a one-track playlist; returns its id. */
    async openRoom(name: string): Promise<string> {
      const room = (await call('POST', '/v1/api/rooms/create', {
        uid,
        userName: nickName,
        playlist: {
          id: `pl-${uid}-${name}`,
          name,
          musics: [
            { title: 'Song', artist: 'Band', playtime: '3:00', thumbnail: `${url}/samples/covers/icon.svg` },
          ],
        },
      })) as { id: string };
      return room.id;
    },
    say: (roomId: string, content: string) =>
      call('POST', '/v1/api/chat/api/v1/message', {
        roomId,
        clientMessageId: `c-${Math.random().toString(36).slice(2)}`,
        content,
      }),
  };
}

/** What the page's `getComputedStyle` gives (the tests compile without the DOM's types). */
interface StyleWindow {
  getComputedStyle(element: unknown): { getPropertyValue(name: string): string };
}

/** A computed style property (e.g. `direction`) of the element a locator finds. */
export function computedStyle(locator: Locator, property: string): Promise<string> {
  return locator.evaluate((element, name) => {
    const view = element.ownerDocument.defaultView as unknown as StyleWindow;
    return view.getComputedStyle(element).getPropertyValue(name);
  }, property);
}

/** What my page says on a line of mine while it waits for the connection. */
export const WAITING = 'Waiting for connection…';
/** What my page says when it holds a line back because I appear offline in the room. */
export const APPEARING_OFFLINE = 'You appear offline in this room: go online to send.';

/** Types a line in the message box and sends it with Enter, as a person does. */
export async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}
