import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, type Person } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

/** The page fits the window across: nothing pushed off screen, no sideways scrolling. */
const fitsAcross = (person: Person) =>
  person.page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

describe('web client: long unbroken names and emoji stay inside the layout', () => {
  let people: TwoPeople;
  let ann: Person;
  const longNick = 'W'.repeat(64); // the sign-in form's maximum, one word
  const longRoom = 'Q'.repeat(180); // under the playlist name's maximum (200)

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
    ({ ann } = people);
  });
  afterAll(() => people?.close());

  it('wraps a 64-letter nickname and a 180-letter room name, and shows whole emoji in initials', async () => {
    // Someone called "Cat 😀" (no picture, so initials) opens a room with a long one-word name.
    const token = (await (
      await fetch(`${people.url}/v1/api/auth/dev-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uid: 'cat', nickName: 'Cat 😀' }),
      })
    ).json()) as { accessToken: string };
    const created = await fetch(`${people.url}/v1/api/rooms/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        uid: 'cat',
        userName: 'Cat 😀',
        playlist: {
          id: 'pl-long',
          name: longRoom,
          musics: [
            {
              title: 'T'.repeat(150),
              artist: 'A',
              playtime: '3:00',
              thumbnail: 'https://img.example.com/1.jpg',
            },
          ],
        },
      }),
    });
    expect(created.status).toBe(201);

    await signIn(ann, longNick);
    const card = ann.page
      .locator('section', { has: ann.page.getByRole('heading', { name: 'Live rooms' }) })
      .getByRole('link', { name: new RegExp(longRoom) });
    await card.waitFor();
    expect(await fitsAcross(ann)).toBe(true);

    await card.click();
    await ann.page.getByRole('heading', { name: longRoom, level: 1 }).waitFor();
    await ann.page.getByRole('textbox', { name: 'Message' }).fill('hello');
    await ann.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await expect
      .poll(() => ann.page.locator('.messages .line.talk:not(.pending) .content').allTextContents())
      .toEqual(['hello']);
    expect(await fitsAcross(ann)).toBe(true);
    const signOut = await ann.page.getByRole('button', { name: 'Sign out' }).boundingBox();
    expect(signOut!.x + signOut!.width).toBeLessThanOrEqual(1280);
    const members = await ann.page.getByRole('heading', { name: /In this room/ }).boundingBox();
    expect(members!.x + members!.width).toBeLessThanOrEqual(1280);

    // Initials are whole characters: "Cat 😀" is C😀, not C and half an emoji.
    const cat = ann.page.locator('.member', { hasText: 'Cat 😀' }).locator('.avatar');
    expect(await cat.textContent()).toBe('C😀');
    expect(ann.pageErrors).toEqual([]);
  });
});
