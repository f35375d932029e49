import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startChat, type Person } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

describe('web client: the message box takes the server’s longest line (CHAT_MAX_CONTENT_LENGTH)', () => {
  let people: TwoPeople;
  let ann: Person;

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode({ CHAT_MAX_CONTENT_LENGTH: '3000' });
    ann = people.ann;
  });
  afterAll(() => people?.close());

  it('lets a line of the server’s limit through whole, and stops typing there', async () => {
    await signIn(ann, 'Ann');
    await startChat(ann);
    const box = ann.page.getByRole('textbox', { name: 'Message' });
    await expect.poll(() => box.getAttribute('maxlength')).toBe('3000');

    // Over the client's own default of 2000: before, it cut the line there.
    const longest = `${'la '.repeat(999)}end`;
    await box.fill(longest);
    await box.press('Enter');
    await expect
      .poll(() => ann.page.locator('.messages .line.talk:not(.pending) .content').allTextContents(), {
        timeout: 10_000,
      })
      .toEqual([longest]);

    await box.evaluate((element: HTMLTextAreaElement, text) => {
      element.value = text;
    }, 'y'.repeat(2999));
    await box.pressSequentially('zzz');
    expect((await box.inputValue()).length).toBe(3000);
    expect(ann.pageErrors).toEqual([]);
  });
});
