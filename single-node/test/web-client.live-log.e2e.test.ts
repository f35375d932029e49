import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page, WebSocketRoute } from 'playwright-core';
import { computedStyle, restUser, send, signIn, startChat } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

/** Starts writing down what the room's log adds (what a screen reader reads out of role=log). */
function recordAnnouncements(page: Page): Promise<void> {
  return page.evaluate<void>(`(() => {
    const added = [];
    window.announced = added;
    new MutationObserver((records) => {
      for (const record of records)
        for (const node of record.addedNodes) {
          const element = node.nodeType === 1 ? node : node.parentElement;
          if (element?.closest('[aria-hidden=true]')) continue;
          const text = (node.textContent ?? '').replace(/\\s+/g, ' ').trim();
          if (text) added.push(text);
        }
    }).observe(document.querySelector('[role=log]'), { childList: true, subtree: true });
  })()`);
}
const announced = (page: Page) => page.evaluate<string[]>('window.announced.splice(0)');

describe('web client: the message log reads out each thing once', () => {
  let people: TwoPeople;
  let roomId: string;
  /** Ann's WebSocket through Playwright, so the test can cut it like a network drop. */
  let annSocket: { page: WebSocketRoute; server: WebSocketRoute } | undefined;
  let offline = false;
  const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000, interval: 50 });

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
    await people.ann.page.routeWebSocket(/\/ws-chat/, (page) => {
      if (offline) return void page.close({ code: 4000, reason: 'offline' });
      annSocket = { page, server: page.connectToServer() };
    });
    await signIn(people.ann, 'Ann');
    roomId = await startChat(people.ann);
    await signIn(people.ben, 'Ben');
    await people.ben.page.goto(`/#/room/${roomId}`);
    await people.ben.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
  });
  afterAll(() => people?.close());

  it('does not show "Seen by Ben" under Ben\'s own line, nor write out again a receipt that did not change', async () => {
    const { ann, ben } = people;
    await send(ann.page, 'hello Ben');
    const annLine = ann.page.locator('.line.talk:not(.pending)', { hasText: 'hello Ben' });
    await poll(() => annLine.locator('.receipts').textContent()).toBe('Seen by Ben');

    await recordAnnouncements(ann.page);
    await send(ben.page, 'hi Ann');
    const benLine = ann.page.locator('.line.talk', { hasText: 'hi Ann' });
    // Receipts are brought up to date as the line lands (no READ follows one's own line).
    await benLine.waitFor();

    expect(await benLine.locator('.receipts').textContent()).toBe('');
    expect(await annLine.locator('.receipts').textContent()).toBe('Seen by Ben');
    const heard = await announced(ann.page);
    expect(heard.filter((text) => text.startsWith('Seen by'))).toEqual([]);
    expect(heard.filter((text) => text.includes('hi Ann'))).toHaveLength(1);
  });

  it('keeps my pending line out of what the log reads out, so my line is read once', async () => {
    const { ann } = people;
    await recordAnnouncements(ann.page);
    await send(ann.page, 'read me once');
    await ann.page.locator('.line.talk:not(.pending)', { hasText: 'read me once' }).waitFor();
    expect((await announced(ann.page)).filter((text) => text.includes('read me once'))).toHaveLength(1);
  });

  it('says "Waiting for connection…" under a line written offline, out of the log\'s reading, then sends it on reconnect', async () => {
    const { ann, ben } = people;
    offline = true;
    void annSocket!.page.close({ code: 4000, reason: 'offline' });
    void annSocket!.server.close();
    await poll(() => ann.page.locator('#connection').textContent()).not.toBe('Connected');

    await send(ann.page, 'written offline');
    const pending = ann.page.locator('.line.pending', { hasText: 'written offline' });
    await poll(() => pending.locator('.status').textContent()).toBe('Waiting for connection…');
    expect(await pending.isVisible()).toBe(true);
    expect(await ann.page.getByRole('log').ariaSnapshot()).not.toContain('written offline');

    offline = false;
    await poll(() => ann.page.locator('#connection').textContent()).toBe('Connected');
    await poll(() => ben.page.locator('.line.talk .content', { hasText: 'written offline' }).count()).toBe(1);
    await poll(() =>
      ann.page.locator('.line.talk:not(.pending) .content', { hasText: 'written offline' }).count(),
    ).toBe(1);
    expect(await ann.page.getByRole('log').ariaSnapshot()).toContain('written offline');
    expect(ann.pageErrors).toEqual([]);
  });

  it('lets lines, nicknames and room names take their direction from their own text', async () => {
    const { ben } = people;
    const dj = await restUser(people.url, 'dj-rtl', 'دي جي');
    const hebrewRoom = await dj.openRoom('מוזיקה בלילה');
    await dj.say(hebrewRoom, 'مرحبا بالجميع!');
    await dj.say(hebrewRoom, 'Hello everyone');
    await ben.page.goto('/#/');
    const card = ben.page.locator(`a[href="#/room/${hebrewRoom}"] .room-name`);
    await poll(() => card.count()).toBe(1);
    const direction = (locator: Locator) => computedStyle(locator, 'direction');
    expect(await direction(card)).toBe('rtl');

    await ben.page.goto(`/#/room/${hebrewRoom}`);
    const title = ben.page.getByRole('heading', { name: 'מוזיקה בלילה', level: 1 });
    await title.waitFor();
    expect(await direction(title)).toBe('rtl');
    const arabic = ben.page.locator('.line.talk', { hasText: 'مرحبا' });
    await arabic.waitFor();
    expect(await direction(arabic.locator('.content'))).toBe('rtl');
    expect(await direction(arabic.locator('.nick'))).toBe('rtl');
    expect(await direction(ben.page.locator('.line.talk .content', { hasText: 'Hello everyone' }))).toBe(
      'ltr',
    );
  });
});
