import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Route } from 'playwright-core';
import {
  APPEARING_OFFLINE,
  appearOfflineInAnotherTab,
  send,
  signIn,
  startChat,
  talkLines,
  WAITING,
  type Person,
} from './support/browser';
import { controlConnection, type ConnectionControl } from './support/connection-control';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

const ONLINE_UNKNOWN = 'Who is online could not be loaded';

/** The page's information notices (the connection label is a status too, so not `getByRole`). */
const notices = (page: Page) => page.locator('#notices [role=status]');

/** Someone's row in the "In this room" list of a page. */
const memberRow = (page: Page, nickName: string) =>
  page.locator('.member', { has: page.locator('.member-name', { hasText: nickName }) });

/** What the gateway answers while no presence server instance is healthy. */
const presenceDown = (route: Route) =>
  route.fulfill({
    status: 503,
    contentType: 'application/json',
    body: JSON.stringify({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'service-unavailable',
      message: 'no healthy presence-server instance',
    }),
  });

describe('web client: what the page knows of presence after a reconnect, and when the presence lookup fails', () => {
  let people: TwoPeople;
  let ann: Person;
  let ben: Person;
  let roomId: string;
  let annNet: ConnectionControl;
  const poll = <T>(read: () => Promise<T> | T, timeout = 10_000) =>
    expect.poll(read, { timeout, interval: 50 });
  const annConnected = () =>
    poll(() => ann.page.locator('#connection').getAttribute('data-state')).toBe('connected');
  const enterRoom = async (page: Page) => {
    await page.goto(`/#/room/${roomId}`);
    await page.getByRole('heading', { name: 'Slow Morning', level: 1 }).waitFor();
  };

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
    ({ ann, ben } = people);
    annNet = await controlConnection(ann.page);
    await signIn(ann, 'Ann');
    roomId = await startChat(ann, 'Slow Morning');
    await signIn(ben, 'Ben');
    await enterRoom(ben.page);
    await ann.page.locator('.room-meta', { hasText: '2 participants · 2 online' }).waitFor();
  });
  afterAll(() => people?.close());
  afterEach(() => annNet.restore());

  it('holds back a line written while cut off, not sending it to be refused, when my other tab chose to appear offline meanwhile', async () => {
    await annNet.cut();
    await poll(() => ann.page.locator('#connection').textContent()).not.toBe('Connected');
    const otherTab = await appearOfflineInAnotherTab(ann);
    try {
      await send(ann.page, 'written while cut off');
      const line = ann.page.locator('.line.pending', { hasText: 'written while cut off' });
      await poll(() => line.locator('.status').textContent()).toBe(WAITING);
      expect(await ann.page.getByRole('button', { name: 'Appear offline' }).isVisible()).toBe(true);

      annNet.restore();
      await annConnected();
      await ann.page.getByRole('button', { name: 'Go online' }).waitFor();
      await poll(() => line.getByRole('alert').textContent()).toBe(`Not sent: ${APPEARING_OFFLINE}`);
      // No refusal ended the connection, and the next line stays in the box, saying why.
      expect(await ann.page.locator('#connection').getAttribute('data-state')).toBe('connected');
      await send(ann.page, 'and this one');
      await poll(() => ann.page.locator('#composer-count').textContent()).toBe(APPEARING_OFFLINE);
      expect(await ann.page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('and this one');
      expect(await talkLines(ben.page)).toEqual([]);

      // Online again here: Retry sends the line, once.
      await ann.page.getByRole('button', { name: 'Go online' }).click();
      await ann.page.getByRole('button', { name: 'Appear offline' }).waitFor();
      await line.getByRole('button', { name: 'Retry' }).click();
      await ann.page.getByRole('textbox', { name: 'Message' }).press('Enter');
      await poll(() => talkLines(ben.page)).toEqual(['written while cut off', 'and this one']);
      expect(ann.pageErrors).toEqual([]);
    } finally {
      // Online again for the tests after this one, whatever happened here.
      const goOnline = otherTab.getByRole('button', { name: 'Go online' });
      if (await goOnline.isVisible()) await goOnline.click();
      await otherTab.getByRole('button', { name: 'Appear offline' }).waitFor();
      await otherTab.close();
    }
  });

  it('lets me send again after a reconnect when my other tab went online meanwhile', async () => {
    await annConnected();
    await ann.page.getByRole('button', { name: 'Appear offline' }).click();
    await ann.page.getByRole('button', { name: 'Go online' }).waitFor();
    await annNet.cut();
    await poll(() => ann.page.locator('#connection').textContent()).not.toBe('Connected');
    const otherTab = await ann.context.newPage();
    try {
      await enterRoom(otherTab);
      await otherTab.getByRole('button', { name: 'Go online' }).click();
      await otherTab.getByRole('button', { name: 'Appear offline' }).waitFor();

      annNet.restore();
      await annConnected();
      await ann.page.getByRole('button', { name: 'Appear offline' }).waitFor();
      await poll(() => ann.page.locator('.member.online .member-name').allTextContents()).toContain(
        'Ann (you)',
      );
      await send(ann.page, 'back again');
      await poll(() => talkLines(ben.page)).toContain('back again');
      expect(await ann.page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('');
      expect(await ann.page.locator('#composer-count').textContent()).toBe('');
      expect(ann.pageErrors).toEqual([]);
    } finally {
      await otherTab.close();
    }
  });

  it('does not say everyone is offline when the presence lookup fails on entering, and fills the list in once it answers', async () => {
    let failing = true;
    await ann.page.route('**/api/v1/presence/*/on', (route) =>
      failing ? presenceDown(route) : route.continue(),
    );
    try {
      await ann.page.goto('/#/');
      await ann.page.getByRole('heading', { name: 'My rooms' }).waitFor();
      await enterRoom(ann.page);
      await poll(() => notices(ann.page).allTextContents()).toContainEqual(
        expect.stringContaining(ONLINE_UNKNOWN),
      );
      // Ben is there and online: the page does not know it, so it claims neither.
      await memberRow(ann.page, 'Ben').waitFor();
      expect(await memberRow(ann.page, 'Ben').textContent()).not.toMatch(/online|offline/);
      expect(await ann.page.locator('.presence-state').allTextContents()).not.toContain('offline');
      expect(await ann.page.locator('.room-meta').textContent()).not.toMatch(/0 online/);

      // What the room says meanwhile still shows.
      await ben.page.getByRole('button', { name: 'Appear offline' }).click();
      await poll(() => memberRow(ann.page, 'Ben').locator('.presence-state').textContent()).toBe('offline');
      await ben.page.getByRole('button', { name: 'Go online' }).click();
      await poll(() => memberRow(ann.page, 'Ben').locator('.presence-state').textContent()).toBe('online');

      // The presence server answers again: the page asks by itself, soon.
      failing = false;
      await poll(() => ann.page.locator('.room-meta').textContent(), 35_000).toBe(
        '2 participants · 2 online',
      );
      expect(await ann.page.locator('.member.online .member-name').allTextContents()).toEqual([
        'Ann (you)',
        'Ben',
      ]);
      expect(ann.pageErrors).toEqual([]);
    } finally {
      await ann.page.unroute('**/api/v1/presence/*/on');
    }
  }, 60_000);

  it('stops asking who is online once I leave the room', async () => {
    let asked = 0;
    await ann.page.route('**/api/v1/presence/*/on', (route) => {
      asked += 1;
      return presenceDown(route);
    });
    try {
      await ann.page.goto('/#/');
      await ann.page.getByRole('heading', { name: 'My rooms' }).waitFor();
      await enterRoom(ann.page);
      await poll(() => asked).toBeGreaterThan(0);
      await ann.page.getByRole('button', { name: '← Rooms' }).click();
      await ann.page.getByRole('heading', { name: 'My rooms' }).waitFor();
      const askedInRoom = asked;
      await ann.page.waitForTimeout(5_000); // past the first tries again (2 s, then 4 s)
      expect(asked).toBe(askedInRoom);
      expect(ann.pageErrors).toEqual([]);
    } finally {
      await ann.page.unroute('**/api/v1/presence/*/on');
    }
  });
});
