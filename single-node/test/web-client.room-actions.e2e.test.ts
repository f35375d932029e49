import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, talkLines, type Person } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

describe('web client: presence toggle, refused lines, typing expiry, leaving for good', () => {
  let people: TwoPeople;
  let ann: Person;
  let ben: Person;

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
    ({ ann, ben } = people);
  });

  afterAll(() => people?.close());
  const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000, interval: 50 });

  it('shows appear-offline to the others, keeps a refused line with Retry, clears typing, and tells the room when someone leaves for good', async () => {
    await signIn(ann, 'Ann');
    await ann.page
      .getByRole('listitem')
      .filter({ hasText: 'Night Drive' })
      .getByRole('button', { name: 'Start chat' })
      .click();
    await ann.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    await signIn(ben, 'Ben');
    const card = ben.page
      .locator('section', { has: ben.page.getByRole('heading', { name: 'Live rooms' }) })
      .getByRole('link', { name: /Night Drive/ });
    await card.click();
    await ben.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    await poll(() => ann.page.locator('.room-meta').textContent()).toBe('2 participants · 2 online');

    // presence toggle: Ben appears offline, Ann sees it; then back online
    await ben.page.getByRole('button', { name: 'Appear offline' }).click();
    await poll(() => ben.page.getByRole('button', { name: 'Go online' }).isVisible()).toBe(true);
    await poll(() => ann.page.locator('.member:not(.online) .member-name').allTextContents()).toEqual([
      'Ben',
    ]);
    await poll(() => ann.page.locator('.room-meta').textContent()).toBe('2 participants · 1 online');

    // a line sent while appearing offline is refused → failed with Retry; Retry goes back to Sending… and fails again
    await ben.page.getByRole('textbox', { name: 'Message' }).fill('anyone?');
    await ben.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    const failed = ben.page.locator('.line.failed');
    await poll(() => failed.getByRole('alert').textContent()).toContain('Not sent:');
    await poll(() => ben.page.getByRole('button', { name: 'Connected' }).count()).toBe(0);
    await poll(() => ben.page.locator('#connection').getAttribute('data-state')).toBe('connected');
    await failed.getByRole('button', { name: 'Retry' }).click();
    await poll(() => ben.page.locator('.line.failed').count()).toBe(1);
    await poll(() => ben.page.locator('.line.failed .status').textContent()).toContain('Not sent:');
    await poll(() => ben.page.locator('#connection').getAttribute('data-state')).toBe('connected');

    await ben.page.getByRole('button', { name: 'Go online' }).click();
    await poll(() => ann.page.locator('.member.online .member-name').allTextContents()).toEqual(
      expect.arrayContaining(['Ben']),
    );

    // typing indicator clears by itself after the sender stops
    await ben.page.getByRole('textbox', { name: 'Message' }).pressSequentially('abc');
    await poll(() => ann.page.locator('.typing').textContent()).toBe('Ben is typing…');
    await poll(() => ann.page.locator('.typing').textContent()).toBe('');
    await ben.page.getByRole('textbox', { name: 'Message' }).fill('');

    // online again, Ben's next line goes through
    await ben.page.getByRole('textbox', { name: 'Message' }).fill('ok now');
    await ben.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await poll(() => talkLines(ann.page)).toEqual(['ok now']);
    // the failed pending line stays below the stored one
    await poll(() => ben.page.locator('.messages > li').last().getAttribute('class')).toContain('failed');

    // leave for good: Ann sees the EXIT and the count drop
    ben.page.once('dialog', (dialog) => void dialog.accept());
    await ben.page.getByRole('button', { name: 'Leave room' }).click();
    await ben.page.getByRole('heading', { name: 'My rooms' }).waitFor();
    await poll(() => ann.page.locator('.line.system').allTextContents()).toEqual([
      expect.stringContaining('Ann has entered'),
      expect.stringContaining('Ben has entered'),
      expect.stringContaining('Ben has left'),
    ]);
    await poll(() => ann.page.locator('.room-meta').textContent()).toBe('1 participant · 1 online');
    expect(ann.pageErrors).toEqual([]);
    expect(ben.pageErrors).toEqual([]);
  });
});
