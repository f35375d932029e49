import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startChat, talkLines, type Person } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

describe('web client: the message box follows the server’s longest line (CHAT_MAX_CONTENT_LENGTH)', () => {
  let people: TwoPeople;
  let ann: Person;
  const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000, interval: 50 });

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode({ CHAT_MAX_CONTENT_LENGTH: '3000' });
    ann = people.ann;
  });
  afterAll(() => people?.close());

  it('sends a line of the server’s limit whole, and keeps a longer one, saying how much too long, instead of cutting it', async () => {
    await signIn(ann, 'Ann');
    await startChat(ann);
    const box = ann.page.getByRole('textbox', { name: 'Message' });
    const count = ann.page.locator('#composer-count');

    // Over the client's own default of 2000: before, the box cut the line there.
    const longest = `${'la '.repeat(999)}end`;
    await box.fill(longest);
    await poll(() => count.textContent()).toBe('3,000 / 3,000');
    await box.press('Enter');
    await poll(() => talkLines(ann.page)).toEqual([longest]);
    expect(await box.inputValue()).toBe('');

    // A pasted line past the limit stays whole in the box and is not sent. Emoji count once, as the server counts.
    const tooLong = `${'🎵'.repeat(2990)} and then some`;
    await box.fill(tooLong);
    await poll(() => count.textContent()).toBe('3,004 / 3,000');
    await box.press('Enter');
    await poll(() => count.textContent()).toBe('Too long to send: 3,004 characters, the limit is 3,000.');
    expect(await box.inputValue()).toBe(tooLong);
    expect(await box.getAttribute('aria-invalid')).toBe('true');

    // Cut down to the limit, it goes.
    const cut = `${'🎵'.repeat(2990)} and then!`;
    await box.fill(cut);
    await poll(() => count.textContent()).toBe('3,000 / 3,000');
    await box.press('Enter');
    await poll(() => talkLines(ann.page)).toEqual([longest, cut]);
    expect(await count.textContent()).toBe('');
    expect(ann.pageErrors).toEqual([]);
  });
});
