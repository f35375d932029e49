import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { appearOfflineInAnotherTab, screenshot, signIn, talkLines, type Person } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

/**
 * The web client against the real product in one process (presence, chat, gateway), driven in
 * Chromium by two people in separate browser contexts. Tests run in order and share the room.
 */
describe('web client, two people in one room', () => {
  let people: TwoPeople;
  let ann: Person;
  let ben: Person;

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
    ({ ann, ben } = people);
  });

  afterAll(() => people?.close());

  /** Polls like expect.poll, with a deadline long enough for a reconnect. */
  const poll = <T>(read: () => Promise<T> | T, options: { timeout?: number } = {}) =>
    expect.poll(read, { timeout: 10_000, interval: 50, ...options });

  const send = async (page: Page, text: string) => {
    await page.getByRole('textbox', { name: 'Message' }).fill(text);
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  };

  it('signs in with a nickname and opens a room from a sample playlist', async () => {
    await ann.page.goto('/');
    await poll(() => ann.page.getByLabel('Nickname').isVisible()).toBe(true);
    await screenshot(ann.page, 'sign-in');
    await signIn(ann, 'Ann');

    await ann.page
      .getByRole('listitem')
      .filter({ hasText: 'Night Drive' })
      .getByRole('button', { name: 'Start chat' })
      .click();

    await ann.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    await poll(() => ann.page.locator('.line.system').allTextContents()).toEqual([
      expect.stringContaining('Ann has entered'),
    ]);
    await poll(() => ann.page.locator('.now-playing .track-title').textContent()).toBeTruthy();
  });

  it('shows the live room to another person, who joins; both see ENTER and the same track', async () => {
    await signIn(ben, 'Ben');
    const card = ben.page
      .locator('section', { has: ben.page.getByRole('heading', { name: 'Live rooms' }) })
      .getByRole('link', { name: /Night Drive/ });
    await poll(() => card.textContent()).toContain('1 participant');
    await screenshot(ben.page, 'lobby');

    await card.click();

    await ben.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    await poll(() => ann.page.locator('.line.system').allTextContents()).toEqual([
      expect.stringContaining('Ann has entered'),
      expect.stringContaining('Ben has entered'),
    ]);
    const playing = async (page: Page) => ({
      title: await page.locator('.now-playing .track-title').textContent(),
      at: Number(await page.locator('.now-playing [role=progressbar]').getAttribute('aria-valuenow')),
    });
    const [annPlays, benPlays] = await Promise.all([playing(ann.page), playing(ben.page)]);
    expect(benPlays.title).toBe(annPlays.title);
    expect(Math.abs(benPlays.at - annPlays.at)).toBeLessThanOrEqual(2);
  });

  it("shows each other's presence in the room", async () => {
    for (const { page } of [ann, ben]) {
      await poll(() => page.locator('.member.online .member-name').allTextContents()).toEqual(
        expect.arrayContaining([expect.stringContaining('Ann'), expect.stringContaining('Ben')]),
      );
    }
  });

  it('chats both ways, with typing indicators and read receipts', async () => {
    await ben.page.getByRole('textbox', { name: 'Message' }).pressSequentially('hi A');
    await poll(() => ann.page.locator('.typing').textContent()).toBe('Ben is typing…');
    await ben.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await poll(() => talkLines(ann.page)).toEqual(['hi A']);
    // Sending is reading up to one's own line (the server saves it), so Ben's client sends no
    // READ for his own lines (his ENTER, then 'hi A'); Ann sees no "Seen by Ben" under Ben's own line.
    expect(await ann.page.locator('.line', { hasText: 'hi A' }).locator('.receipts').textContent()).toBe('');
    const readsBy = (person: Person) =>
      person.sentFrames.filter((frame) => frame.includes('destination:/chat/pub/read'));
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // longer than the READ delay (1 s)
    expect(readsBy(ben)).toEqual([]);

    await ann.page.getByRole('textbox', { name: 'Message' }).pressSequentially('hello Ben');
    await poll(() => ben.page.locator('.typing').textContent()).toBe('Ann is typing…');
    await ann.page.getByRole('textbox', { name: 'Message' }).press('Enter');

    await poll(() => talkLines(ben.page)).toEqual(['hi A', 'hello Ben']);
    await poll(() => ben.page.locator('.typing').textContent()).toBe('');
    await poll(() =>
      ann.page.locator('.line', { hasText: 'hello Ben' }).locator('.receipts').textContent(),
    ).toBe('Seen by Ben');
    expect(readsBy(ben)).toHaveLength(1); // for Ann's line
    await screenshot(ann.page, 'room');
  });

  it('catches up after a reload without losing or repeating a line', async () => {
    const reloaded = ben.page.reload();
    for (const text of ['while you were away 1', 'while you were away 2', 'while you were away 3'])
      await send(ann.page, text);
    await reloaded;

    const expected = [
      'hi A',
      'hello Ben',
      'while you were away 1',
      'while you were away 2',
      'while you were away 3',
    ];
    await poll(() => talkLines(ben.page)).toEqual(expected);
    await send(ann.page, 'after the reload');
    await poll(() => talkLines(ben.page)).toEqual([...expected, 'after the reload']);
    await poll(() => talkLines(ann.page)).toEqual([...expected, 'after the reload']);
  });

  it('shows unread badges in "My rooms" for lines posted while away', async () => {
    await ben.page.getByRole('button', { name: '← Rooms' }).click();
    await ben.page.getByRole('heading', { name: 'My rooms' }).waitFor();
    await send(ann.page, 'unread one');
    await send(ann.page, 'unread two');

    const badge = ben.page
      .locator('section', { has: ben.page.getByRole('heading', { name: 'My rooms' }) })
      .getByRole('link', { name: /Night Drive/ })
      .locator('.badge');
    await poll(() => badge.getAttribute('aria-label'), { timeout: 15_000 }).toBe('2 unread messages');
    await screenshot(ben.page, 'lobby-unread');
  });

  it('loads older messages 12 at a time when scrolling up', async () => {
    for (let i = 1; i <= 20; i++) await send(ann.page, `line ${i}`);
    await poll(() => talkLines(ann.page)).toContain('line 20');

    await ben.page
      .getByRole('link', { name: /Night Drive/ })
      .first()
      .click();
    await ben.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    const stored = ben.page.locator('.messages [data-id]');
    await poll(() => stored.count()).toBe(12);
    await poll(() => ben.page.locator('.unread-divider').count()).toBe(1);

    await ben.page.locator('.log').evaluate((log) => (log.scrollTop = 0));
    await poll(() => stored.count()).toBe(24);
    await ben.page.locator('.log').evaluate((log) => (log.scrollTop = 0));
    await poll(() => stored.count()).toBe(30); // every stored line: 2 ENTER + 28 TALK
    await poll(() => ben.page.getByRole('button', { name: 'Load older messages' }).isHidden()).toBe(true);
    const lines = await talkLines(ben.page);
    expect(lines).toHaveLength(28);
    expect(new Set(lines).size).toBe(28);
    // The divider sits where Ben stopped reading: before the first line posted while he was away.
    const afterDivider = ben.page.locator('.unread-divider + li .content');
    expect(await afterDivider.textContent()).toBe('unread one');
  });

  it("shows the server's refusal to the person, and keeps chatting", async () => {
    // Appearing offline (chosen in another tab), Ben may not chat: the server refuses his line and says why.
    const otherTab = await appearOfflineInAnotherTab(ben);
    await ben.page.getByRole('button', { name: 'Go online' }).waitFor();
    await send(ben.page, 'Is anyone listening to this one?');

    const failed = ben.page.locator('.line.failed');
    await poll(() => failed.getByRole('alert').textContent()).toMatch(
      /^Not sent: .*presence in this room is off/,
    );
    await screenshot(ben.page, 'error-shown');
    await otherTab.close();
    await ben.page.getByRole('button', { name: 'Go online' }).click();
    await ben.page.getByRole('button', { name: 'Appear offline' }).waitFor();
    await poll(() => ben.page.locator('#connection').getAttribute('data-state')).toBe('connected');
    await send(ben.page, 'still here');
    await poll(() => talkLines(ann.page)).toContain('still here');
    expect(ann.pageErrors).toEqual([]);
    expect(ben.pageErrors).toEqual([]);
  });
});
