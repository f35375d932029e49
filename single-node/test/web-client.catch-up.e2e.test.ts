import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocketRoute } from 'playwright-core';
import { restUser, signIn, talkLines, type Person } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

describe('web client: catching up after missing more than the server replays', () => {
  let people: TwoPeople;
  let ann: Person;
  /** Ann's WebSocket through Playwright, so the test can cut it like a network drop. */
  let annSocket: { page: WebSocketRoute; server: WebSocketRoute } | undefined;

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode({ CHAT_REPLAY_MAX_MESSAGES: '3' });
    ({ ann } = people);
    await ann.page.routeWebSocket(/\/ws-chat/, (page) => {
      annSocket = { page, server: page.connectToServer() };
    });
  });
  afterAll(() => people?.close());

  it('shows every line missed while cut off, in order, then live ones', async () => {
    const cy = await restUser(people.url, 'cy');
    const roomId = await cy.openRoom('Catch Up');
    const say = (content: string) => cy.say(roomId, content);

    await signIn(ann, 'Ann');
    await ann.page
      .locator('section', { has: ann.page.getByRole('heading', { name: 'Live rooms' }) })
      .getByRole('link', { name: /Catch Up/ })
      .click();
    await ann.page.getByRole('heading', { name: 'Catch Up', level: 1 }).waitFor();
    await say('before');
    await expect.poll(() => talkLines(ann.page)).toEqual(['before']);

    // The network drops; the client reconnects a second later. Eight lines come meanwhile:
    // the server replays the oldest three (CHAT_REPLAY_MAX_MESSAGES) and says there were more.
    const cut = annSocket!;
    await cut.server.close();
    await cut.page.close();
    const missed = Array.from({ length: 8 }, (_, index) => `missed ${index + 1}`);
    for (const line of missed) await say(line);
    await expect.poll(() => annSocket !== cut, { timeout: 10_000 }).toBe(true);

    await expect.poll(() => talkLines(ann.page), { timeout: 10_000 }).toEqual(['before', ...missed]);
    await say('live');
    await expect.poll(() => talkLines(ann.page)).toEqual(['before', ...missed, 'live']);
    expect(ann.pageErrors).toEqual([]);
  });
});
