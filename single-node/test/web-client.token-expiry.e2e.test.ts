import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from './support/browser';
import { tokensLasting, twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

const TOKEN_SECONDS = 4;

describe('web client: a sign-in that expires while connected', () => {
  let people: TwoPeople;

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode(tokensLasting(TOKEN_SECONDS));
  });
  afterAll(() => people?.close());

  it('asks to sign in again once the server ends the session, instead of reconnecting with the dead token', async () => {
    const { ann } = people;
    await signIn(ann, 'Ann');
    const connects = () => ann.sentFrames.filter((frame) => frame.startsWith('CONNECT')).length;
    await expect.poll(connects, { timeout: 5_000, interval: 50 }).toBe(1);
    // The lobby's own refresh would meet a 401 and sign out too; this is about the STOMP session.
    await ann.page.route('**/v1/api/rooms/**', (route) => route.abort());

    await ann.page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: (TOKEN_SECONDS + 5) * 1000 });
    expect(await ann.page.getByText('Your sign-in has expired.').isVisible()).toBe(true);
    // stompjs would reconnect every second; the client has stopped instead.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(connects()).toBe(1);
    expect(ann.pageErrors).toEqual([]);
  });
});
