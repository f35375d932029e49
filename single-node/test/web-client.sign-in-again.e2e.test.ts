import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startChat } from './support/browser';
import { tokensLasting, twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

const TOKEN_SECONDS = 6;

describe('web client: signing in again after the sign-in expired', () => {
  let people: TwoPeople;

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode(tokensLasting(TOKEN_SECONDS));
  });
  afterAll(() => people?.close());

  it('comes back to the same room with the unsent draft still in the message box', async () => {
    const { ann } = people;
    await signIn(ann, 'Ann');
    const roomId = await startChat(ann);
    await ann.page.getByRole('textbox', { name: 'Message' }).fill('a long draft I am still writing');

    await ann.page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: (TOKEN_SECONDS + 5) * 1000 });
    expect(await ann.page.getByText('Your sign-in has expired.').isVisible()).toBe(true);
    await ann.page.getByLabel('Nickname').fill('Ann');
    await ann.page.getByRole('button', { name: 'Sign in' }).click();

    await ann.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    expect(ann.page.url()).toContain(`#/room/${roomId}`);
    expect(await ann.page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe(
      'a long draft I am still writing',
    );
    expect(ann.pageErrors).toEqual([]);
  });
});

describe('web client: signing out in one tab', () => {
  let people: TwoPeople;

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
  });
  afterAll(() => people?.close());

  it('signs out the other tabs of the same browser too', async () => {
    const { ann } = people;
    await signIn(ann, 'Ann');
    const roomId = await startChat(ann);
    const other = await ann.context.newPage();
    await other.goto(`/#/room/${roomId}`);
    await other.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();

    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.getByLabel('Nickname').waitFor();

    await ann.page.getByLabel('Nickname').waitFor({ timeout: 5_000 });
    expect(await ann.page.locator('#account').isVisible()).toBe(false);
    expect(ann.pageErrors).toEqual([]);
  });
});
