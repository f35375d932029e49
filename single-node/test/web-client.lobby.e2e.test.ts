import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

/** Opens `count` rooms through the gateway as `owner` (a dev-token user), each on its own playlist. */
async function openRooms(url: string, owner: string, count: number): Promise<void> {
  const issued = await fetch(`${url}/v1/api/auth/dev-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uid: owner, nickName: owner }),
  });
  const { accessToken } = (await issued.json()) as { accessToken: string };
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/v1/api/rooms/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({
        uid: owner,
        userName: owner,
        playlist: {
          id: `${owner}-playlist-${i}`,
          name: `${owner} mix ${i}`,
          musics: [
            { title: 'Song', artist: 'Band', playtime: '3:00', thumbnail: 'https://img.example.com/x.jpg' },
          ],
        },
      }),
    });
    expect(response.status).toBe(201);
  }
}

describe('web client: the live-room list comes a page at a time', () => {
  let people: TwoPeople;

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
    for (const owner of ['dj-a', 'dj-b', 'dj-c']) await openRooms(people.url, owner, 8);
  });
  afterAll(() => people?.close());
  const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000, interval: 50 });

  it('shows the first 20 live rooms, then the rest on "Show more rooms"', async () => {
    const { ann } = people;
    await signIn(ann, 'Ann');
    const live = ann.page.locator('section', { has: ann.page.getByRole('heading', { name: 'Live rooms' }) });
    await poll(() => live.getByRole('link').count()).toBe(20);
    const more = live.getByRole('button', { name: 'Show more rooms' });
    expect(await more.isVisible()).toBe(true);
    await more.click();
    await poll(() => live.getByRole('link').count()).toBe(24);
    await poll(() => more.isVisible()).toBe(false);
  });
});
