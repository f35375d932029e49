import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, WebSocketRoute } from 'playwright-core';
import { focused, person, restUser, send, signIn, startChat, type Person } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

/** The uid the page is signed in with. */
const uidOf = (page: Page) =>
  page.evaluate<string>(`JSON.parse(localStorage.getItem('playlist-chat.session')).uid`);

/** Who the presence server says is online in the room, asked with the page's own sign-in. */
const onlineUids = (page: Page, roomId: string) =>
  page.evaluate<string[]>(`(async () => {
    const { token } = JSON.parse(localStorage.getItem('playlist-chat.session'));
    const response = await fetch('/api/v1/presence/${roomId}/on', { headers: { authorization: 'Bearer ' + token } });
    return (await response.json()).members.map((member) => member.uid);
  })()`);

/** The page's information notices (the connection label is a status too, so not `getByRole`). */
const notices = (page: Page) => page.locator('#notices [role=status]');

/** SEND frames the person's page sent to a destination for a room, from `from` on. */
const sentTo = (person: Person, destination: string, roomId: string, from = 0) =>
  person.sentFrames
    .slice(from)
    .filter((frame) => frame.includes(`destination:${destination}\n`) && frame.includes(`"${roomId}"`));

describe('web client: the page stays in step with the server (membership, presence, reads, focus)', () => {
  let people: TwoPeople;
  let ann: Person;
  let ben: Person;
  let roomId: string;
  /** Rooms of other people, made for the lobby's pages. */
  let moreRooms: string[] = [];
  /** Ann's WebSocket through Playwright, so the test can cut it like a network drop. */
  let annSocket: { page: WebSocketRoute; server: WebSocketRoute } | undefined;
  let offline = false;
  const poll = <T>(read: () => Promise<T> | T, timeout = 10_000) =>
    expect.poll(read, { timeout, interval: 50 });

  beforeAll(async () => {
    // A closed tab goes offline a second after its socket closes, not five.
    people = await twoPeopleOnSingleNode({ PRESENCE_DISCONNECT_GRACE_SECONDS: '1' });
    ({ ann, ben } = people);
    await ann.page.routeWebSocket(/\/ws-chat/, (page) => {
      if (offline) return void page.close({ code: 4000, reason: 'offline' });
      annSocket = { page, server: page.connectToServer() };
    });
    await signIn(ann, 'Ann');
    await signIn(ben, 'Ben');
  });
  afterAll(() => people?.close());

  it('takes my other tab of the room back to the lobby, saying so and keeping its draft, when I leave the room for good in one', async () => {
    const leftId = await startChat(ann, 'Night Drive');
    const other = await ann.context.newPage();
    const otherErrors: string[] = [];
    other.on('pageerror', (error) => otherErrors.push(error.message));
    await other.goto(`/#/room/${leftId}`);
    await other.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    await poll(() => other.locator('#connection').getAttribute('data-state')).toBe('connected');
    await other.getByRole('textbox', { name: 'Message' }).fill('half a thought');

    ann.page.once('dialog', (dialog) => void dialog.accept());
    await ann.page.getByRole('button', { name: 'Leave room' }).click();
    await ann.page.getByRole('heading', { name: 'My rooms' }).waitFor();

    await poll(() =>
      notices(other).filter({ hasText: 'You left “Night Drive” in another tab' }).count(),
    ).toBe(1);
    await other.getByRole('heading', { name: 'My rooms' }).waitFor();
    expect(other.url()).not.toContain('#/room/');
    // The tab that left says so itself, once.
    expect(await notices(ann.page).allTextContents()).toEqual([
      expect.stringContaining('You left the room.'),
    ]);
    // The tab's draft waits for coming back.
    await other.goto(`/#/room/${leftId}`);
    await other.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    expect(await other.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('half a thought');
    await other.close();
    expect(otherErrors).toEqual([]);
    expect(ann.pageErrors).toEqual([]);
  });

  it('sends no typing and no read receipt while I appear offline in this tab, and both again once online', async () => {
    await ann.page.goto('/#/');
    roomId = await startChat(ann, 'Slow Morning');
    await ben.page.goto(`/#/room/${roomId}`);
    await ben.page.getByRole('heading', { name: 'Slow Morning', level: 1 }).waitFor();
    await poll(() => ann.page.locator('.room-meta').textContent()).toBe('2 participants · 2 online');

    await ann.page.getByRole('button', { name: 'Appear offline' }).click();
    await ann.page.getByRole('button', { name: 'Go online' }).waitFor();
    const from = ann.sentFrames.length;
    const box = ann.page.getByRole('textbox', { name: 'Message' });
    await box.pressSequentially('secret plans', { delay: 20 });
    await send(ben.page, 'are you there?');
    await ann.page.locator('.line.talk', { hasText: 'are you there?' }).waitFor();
    await ann.page.waitForTimeout(1500); // a READ goes out a second after a line lands
    expect(sentTo(ann, '/chat/pub/typing', roomId, from)).toEqual([]);
    expect(sentTo(ann, '/chat/pub/read', roomId, from)).toEqual([]);
    expect(await ben.page.locator('.typing').textContent()).toBe('');

    await ann.page.getByRole('button', { name: 'Go online' }).click();
    await ann.page.getByRole('button', { name: 'Appear offline' }).waitFor();
    await box.pressSequentially(' now', { delay: 20 });
    await poll(() => sentTo(ann, '/chat/pub/typing', roomId, from).length).toBeGreaterThan(0);
    await poll(() => ben.page.locator('.typing').textContent()).toBe('Ann is typing…');
    await send(ben.page, 'there you are');
    await poll(() => sentTo(ann, '/chat/pub/read', roomId, from).length).toBeGreaterThan(0);
    await box.fill('');
    expect(ann.pageErrors).toEqual([]);
  });

  it('tells the room what I read in a hidden tab once the tab is seen again, with no new line', async () => {
    // Chromium headless is always "visible": the page is told otherwise.
    await ann.page.evaluate(`(() => {
      window.hiddenTab = true;
      Object.defineProperty(document, 'visibilityState', {
        configurable: true,
        get: () => (window.hiddenTab ? 'hidden' : 'visible'),
      });
      document.dispatchEvent(new Event('visibilitychange'));
    })()`);
    for (const line of ['one', 'two', 'three']) await send(ben.page, line);
    await ann.page.locator('.line.talk', { hasText: 'three' }).waitFor();
    const newest = await ann.page.locator('.messages [data-id]').last().getAttribute('data-id');
    const readNewest = () =>
      sentTo(ann, '/chat/pub/read', roomId).filter((frame) => frame.includes(`"messageId":"${newest}"`));
    await ann.page.waitForTimeout(1500);
    expect(readNewest()).toEqual([]); // hidden: not read yet

    await ann.page.evaluate(`(() => {
      window.hiddenTab = false;
      document.dispatchEvent(new Event('visibilitychange'));
    })()`);
    await poll(() => readNewest().length).toBe(1);
    const benLine = ben.page.locator('.line.talk:not(.pending)', { hasText: 'three' });
    await poll(() => benLine.locator('.receipts').textContent()).toBe('Seen by Ann');
    expect(ann.pageErrors).toEqual([]);
  });

  it('shows who went offline while my connection was down, once it is back', async () => {
    const benUid = await uidOf(ben.page);
    await poll(() => ann.page.locator('.room-meta').textContent()).toBe('2 participants · 2 online');

    offline = true;
    void annSocket!.page.close({ code: 4000, reason: 'offline' });
    void annSocket!.server.close();
    await poll(() => ann.page.locator('#connection').textContent()).not.toBe('Connected');
    await ben.page.close(); // Ben closes his tab
    await poll(() => onlineUids(ann.page, roomId)).not.toContain(benUid);
    // What Ann's page knew when it was cut off.
    expect(await ann.page.locator('.member.online .member-name').allTextContents()).toContain('Ben');

    offline = false;
    await poll(() => ann.page.locator('#connection').textContent()).toBe('Connected');
    await poll(() => ann.page.locator('.member:not(.online) .member-name').allTextContents(), 5_000).toEqual([
      'Ben',
    ]);
    await poll(() => ann.page.locator('.room-meta').textContent()).toBe('2 participants · 1 online');
    expect(ann.pageErrors).toEqual([]);
  });

  it('moves focus to the first room "Show more rooms" brought when it loads the last page, not to the page', async () => {
    const djs = await Promise.all(
      Array.from({ length: 25 }, (_, index) => restUser(people.url, `dj-more-${index}`)),
    );
    moreRooms = await Promise.all(djs.map((dj, index) => dj.openRoom(`More Mix ${index}`)));
    await ann.page.goto('/#/');
    const more = ann.page.getByRole('button', { name: 'Show more rooms' });
    await more.waitFor();
    const liveLinks = ann.page
      .locator('section', { has: ann.page.getByRole('heading', { name: 'Live rooms' }) })
      .getByRole('link');
    await more.focus();
    let shown = 0;
    while (await more.isVisible()) {
      shown = await liveLinks.count();
      await ann.page.keyboard.press('Enter');
      await poll(async () => (await liveLinks.count()) > shown || !(await more.isVisible())).toBe(true);
      if (await more.isVisible()) expect(await focused(ann.page)).toContain('Show more rooms');
    }
    const firstNew = await liveLinks.nth(shown).getAttribute('href');
    await poll(() => focused(ann.page)).toContain(`[href=${firstNew}]`);
    expect(ann.pageErrors).toEqual([]);
  });

  it('says "a fifth room", not "another tab", in a tab showing the room a fifth join left', async () => {
    const cy = await person(ann.context.browser()!, people.url);
    await signIn(cy, 'Cy');
    const open = async (page: Page, index: number) => {
      await page.goto(`/#/room/${moreRooms[index]}`);
      await page.getByRole('heading', { name: `More Mix ${index}`, level: 1 }).waitFor();
    };
    await open(cy.page, 0);
    const other = await cy.context.newPage();
    await open(other, 0);
    await poll(() => other.locator('#connection').getAttribute('data-state')).toBe('connected');
    for (const index of [1, 2, 3, 4]) await open(cy.page, index); // the fifth leaves More Mix 0

    await poll(() => notices(other).allTextContents()).toEqual([
      expect.stringContaining('You joined a fifth room, so you left “More Mix 0”'),
    ]);
    await other.getByRole('heading', { name: 'My rooms' }).waitFor();
    await other.waitForTimeout(1000); // nothing more is said
    expect(await notices(other).allTextContents()).toHaveLength(1);
    expect(cy.pageErrors).toEqual([]);
  });
});
