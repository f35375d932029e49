import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { computedStyle, focused, restUser, signIn, startChat } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

/** WCAG contrast ratio of two `rgb(…)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((value) => {
      const c = Number(value) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/** The focused element's ring: outline and the box-shadow ring drawn with it. */
function ring(page: Page) {
  return page.evaluate<{ outlineStyle: string; outline: string; shadow: string | null }>(`(() => {
    const style = getComputedStyle(document.activeElement);
    return {
      outlineStyle: style.outlineStyle,
      outline: style.outlineColor,
      shadow: style.boxShadow.match(/rgba?\\([^)]*\\)/)?.[0] ?? null,
    };
  })()`);
}

describe('web client: keyboard focus stays where the person put it', () => {
  let people: TwoPeople;
  const poll = <T>(read: () => Promise<T> | T, timeout = 15_000) =>
    expect.poll(read, { timeout, interval: 100 });

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
  });
  afterAll(() => people?.close());

  it('keeps focus on a lobby room card across the 5 s refresh, while the lists change around it', async () => {
    const { ann, ben } = people;
    const dj = await restUser(people.url, 'dj-focus');
    const roomId = await dj.openRoom('Focus Mix');
    await signIn(ann, 'Ann');
    const card = ann.page.locator(`a[href="#/room/${roomId}"]`);
    await card.focus();
    expect(await focused(ann.page)).toContain(`#/room/${roomId}`);

    // The card's text changes (a second participant) and a newer room lands before it.
    await signIn(ben, 'Ben');
    await ben.page.goto(`/#/room/${roomId}`);
    await ben.page.getByRole('heading', { name: 'Focus Mix', level: 1 }).waitFor();
    const newer = await dj.openRoom('Newer Mix');
    await poll(() => card.textContent()).toContain('2 participants');
    await poll(() => ann.page.locator(`a[href="#/room/${newer}"]`).count()).toBe(1);

    expect(await focused(ann.page)).toContain(`#/room/${roomId}`);
    expect(ann.pageErrors).toEqual([]);
  });

  it('does not drop focus to the page when "Load older messages" is reached with Tab and the last page loads', async () => {
    const { ann } = people;
    const dj = await restUser(people.url, 'dj-older');
    const roomId = await dj.openRoom('Older Mix');
    for (let i = 0; i < 15; i++) await dj.say(roomId, `old line ${i}`);
    await ann.page.goto(`/#/room/${roomId}`);
    await ann.page.getByRole('heading', { name: 'Older Mix', level: 1 }).waitFor();
    await poll(() => ann.page.locator('.messages .line.talk').count()).toBeGreaterThan(0);
    const textbox = ann.page.getByRole('textbox', { name: 'Message' });
    await poll(() => focused(ann.page)).toContain('textarea');

    // Just before the message box comes the log's "Load older messages".
    await textbox.press('Shift+Tab');
    await poll(() => ann.page.locator('.messages .line.talk').count()).toBe(15);
    await poll(() => ann.page.getByRole('button', { name: 'Load older messages' }).isVisible()).toBe(false);
    expect(await focused(ann.page)).toContain('[role=log]');
  });

  it('draws a focus ring of at least 3:1 on white panels, the grey page and the dark header', async () => {
    const { ann } = people;
    await ann.page.goto('/#/');
    await ann.page.getByRole('heading', { name: 'My rooms' }).waitFor();
    // A "Start chat" button sits on a white card; the header's Sign out on the dark bar.
    await ann.page.getByRole('button', { name: 'Start chat' }).first().focus();
    await ann.page.keyboard.press('Shift+Tab');
    await ann.page.keyboard.press('Tab');
    const onPanel = await ring(ann.page);
    expect(onPanel.outlineStyle).toBe('solid');
    expect(contrast(onPanel.outline, 'rgb(255, 255, 255)')).toBeGreaterThanOrEqual(3);
    expect(contrast(onPanel.outline, 'rgb(245, 246, 250)')).toBeGreaterThanOrEqual(3);

    await ann.page.getByRole('button', { name: 'Sign out' }).focus();
    await ann.page.keyboard.press('Shift+Tab');
    await ann.page.keyboard.press('Tab');
    expect(await focused(ann.page)).toContain('Sign out');
    const onHeader = await ring(ann.page);
    const header = await computedStyle(ann.page.locator('.app-header'), 'background-color');
    expect(onHeader.outlineStyle).toBe('solid');
    expect(contrast(onHeader.outline, header)).toBeGreaterThanOrEqual(3);
  });

  it('focuses the new page without a ring after a keyboard route change; the skip link focuses it with one and stays on the page', async () => {
    const { ann } = people;
    await ann.page.goto('/#/');
    await ann.page.getByRole('heading', { name: 'My rooms' }).waitFor();
    const roomId = await startChat(ann, 'Slow Morning');
    await ann.page.getByRole('button', { name: '← Rooms' }).focus();
    await ann.page.keyboard.press('Enter');
    await ann.page.getByRole('heading', { name: 'My rooms' }).waitFor();
    expect(await focused(ann.page)).toMatch(/^main/);
    expect((await ring(ann.page)).outlineStyle).toBe('none');

    // Skip link, then Enter: focus on the content with a ring, and the room stays open.
    await ann.page.goto(`/#/room/${roomId}`);
    await ann.page.getByRole('heading', { name: 'Slow Morning', level: 1 }).waitFor();
    await ann.page.getByRole('link', { name: 'Skip to content' }).focus();
    await ann.page.keyboard.press('Enter');
    expect(await focused(ann.page)).toMatch(/^main/);
    expect((await ring(ann.page)).outlineStyle).toBe('solid');
    expect(ann.page.url()).toContain(`#/room/${roomId}`);
    expect(await ann.page.getByRole('heading', { name: 'Slow Morning', level: 1 }).isVisible()).toBe(true);
  });
});
