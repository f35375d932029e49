import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, talkLines, type Person } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

describe('web client: typing expiry, presence toggle, lines kept back while appearing offline, leaving for good', () => {
  let people: TwoPeople;
  let ann: Person;
  let ben: Person;

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
    ({ ann, ben } = people);
  });

  afterAll(() => people?.close());
  const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000, interval: 50 });

  it('clears typing, shows appear-offline to the others, keeps a line back until online again, and tells the room when someone leaves for good', async () => {
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

    // typing indicator clears by itself after the sender stops
    const box = ben.page.getByRole('textbox', { name: 'Message' });
    await box.pressSequentially('abc');
    await poll(() => ann.page.locator('.typing').textContent()).toBe('Ben is typing…');
    await poll(() => ann.page.locator('.typing').textContent()).toBe('');
    await box.fill('');

    // presence toggle: Ben appears offline, Ann sees it
    await ben.page.getByRole('button', { name: 'Appear offline' }).click();
    await poll(() => ben.page.getByRole('button', { name: 'Go online' }).isVisible()).toBe(true);
    await poll(() => ann.page.locator('.member:not(.online) .member-name').allTextContents()).toEqual([
      'Ben',
    ]);
    await poll(() => ann.page.locator('.room-meta').textContent()).toBe('2 participants · 1 online');

    // a line written while appearing offline is kept back, not sent to be refused (whose ERROR
    // would end the connection): the text stays, the box says why, nothing reaches Ann
    const sends = () => ben.sentFrames.filter((frame) => frame.includes('destination:/chat/pub/send')).length;
    const sentBefore = sends();
    await box.fill('anyone?');
    await box.press('Enter');
    await poll(() => ben.page.locator('#composer-count').textContent()).toBe(
      'You appear offline in this room: go online to send.',
    );
    expect(await box.inputValue()).toBe('anyone?');
    expect(await ben.page.locator('.messages .line.talk').count()).toBe(0);
    expect(sends()).toBe(sentBefore);
    expect(await ben.page.locator('#connection').getAttribute('data-state')).toBe('connected');

    // after a reload too: entering the room asks the presence server for my own choice
    await ben.page.reload();
    await ben.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    await poll(() => ben.page.locator('#connection').getAttribute('data-state')).toBe('connected');
    expect(await box.inputValue()).toBe('anyone?'); // the draft
    await box.press('Enter');
    await poll(() => ben.page.locator('#composer-count').textContent()).toBe(
      'You appear offline in this room: go online to send.',
    );
    expect(sends()).toBe(sentBefore);

    // online again, the same text goes
    await ben.page.getByRole('button', { name: 'Go online' }).click();
    await poll(() => ann.page.locator('.member.online .member-name').allTextContents()).toEqual(
      expect.arrayContaining(['Ben']),
    );
    // Ann may hear of it before Ben's own switch has its answer: wait for Ben's page
    await ben.page.getByRole('button', { name: 'Appear offline' }).waitFor();
    expect(await ben.page.locator('#composer-count').textContent()).toBe('');
    await box.press('Enter');
    await poll(() => talkLines(ann.page)).toEqual(['anyone?']);
    expect(await box.inputValue()).toBe('');

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
