import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium, startChat } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

/** How many lines an element's text takes on screen. */
function linesOf(page: Page, selector: string): Promise<number> {
  return page.evaluate<number>(`(() => {
    const range = document.createRange();
    range.selectNodeContents(document.querySelector(${JSON.stringify(selector)}));
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  })()`);
}

describe('web client: the header and the room title on a phone', () => {
  let people: TwoPeople;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await people?.close();
  });

  for (const [width, height, nickName] of [
    [375, 667, 'Ann'],
    [320, 568, 'M320x568'],
  ] as const) {
    it(`at ${width} px keeps the brand and "Connected" whole, the room title wide, and Sign out on screen`, async () => {
      const context = await browser.newContext({
        baseURL: people.url,
        viewport: { width, height },
        isMobile: true,
        hasTouch: true,
      });
      const page = await context.newPage();
      await page.goto('/');
      await page.getByLabel('Nickname').fill(nickName);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'My rooms' }).waitFor();
      await startChat({ context, page, pageErrors: [], sentFrames: [] });
      await expect
        .poll(() => page.locator('#connection').textContent(), { timeout: 10_000 })
        .toBe('Connected');

      expect(await linesOf(page, '.brand span')).toBe(1);
      expect(await linesOf(page, '#connection')).toBe(1);
      const title = await page.locator('#room-title').boundingBox();
      expect(title!.width).toBeGreaterThan(width * 0.75);
      const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
      expect(signOut!.x + signOut!.width).toBeLessThanOrEqual(width);
      expect(await page.evaluate<number>('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(width);
      await context.close();
    });
  }
});
