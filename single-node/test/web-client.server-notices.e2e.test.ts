import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocketRoute } from 'playwright-core';
import { restUser, signIn, startChat } from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

/** A STOMP ERROR frame as the server writes it. */
const errorFrame = (headers: Record<string, string>) =>
  `ERROR\n${Object.entries(headers)
    .map(([name, value]) => `${name}:${value}`)
    .join('\n')}\n\n\0`;

describe('web client: what the server says, in words that fit', () => {
  let people: TwoPeople;
  /** Ann's WebSocket through Playwright, so the test can speak for the server or cut the line. */
  let annSocket: { page: WebSocketRoute; server: WebSocketRoute } | undefined;
  let offline = false;
  /** A room the test pretends was closed while Ann was away: its SUBSCRIBE is refused as the server would. */
  let closedRoom: string | undefined;
  const poll = <T>(read: () => Promise<T> | T, timeout = 10_000) =>
    expect.poll(read, { timeout, interval: 50 });

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
    await people.ann.page.routeWebSocket(/\/ws-chat/, (page) => {
      if (offline) return void page.close({ code: 4000, reason: 'offline' });
      const server = page.connectToServer();
      page.onMessage((frame) => {
        const text = String(frame);
        if (closedRoom && text.startsWith('SUBSCRIBE') && text.includes(`/chat/topic/room/${closedRoom}`)) {
          const receipt = /\nreceipt:([^\n]*)/.exec(text)?.[1] ?? '';
          page.send(
            errorFrame({
              code: 'unknown-room',
              message: `room ${closedRoom} not found`,
              'receipt-id': receipt,
            }),
          );
          // The server ends the session after an ERROR (docs/stomp.md).
          void page.close({ code: 1002, reason: 'unknown-room' });
          void server.close();
          return;
        }
        server.send(frame);
      });
      annSocket = { page, server };
    });
    await signIn(people.ann, 'Ann');
  });
  afterAll(() => people?.close());

  const cut = () => {
    void annSocket!.page.close({ code: 1001, reason: 'gone' });
    void annSocket!.server.close();
  };

  it('takes a server restart (ERROR server-shutting-down) in its stride: no error notice, "Connected" again', async () => {
    const { ann } = people;
    await poll(() => ann.page.locator('#connection').textContent()).toBe('Connected');
    // What libs/stomp sends every session when the instance stops, just before closing with 1001.
    annSocket!.page.send(errorFrame({ code: 'server-shutting-down', message: 'server shutting down' }));
    cut();
    await poll(() => ann.page.locator('#connection').textContent()).toBe('Connected');
    expect(await ann.page.getByRole('alert').count()).toBe(0);
    expect(await ann.page.locator('.notice').allTextContents()).toEqual([]);
  });

  it('says "This room has closed" when the room closed while the connection was away', async () => {
    const { ann } = people;
    const roomId = await startChat(ann);
    offline = true;
    cut();
    await poll(() => ann.page.locator('#connection').textContent()).not.toBe('Connected');
    closedRoom = roomId;
    offline = false;

    await ann.page.getByRole('heading', { name: 'My rooms' }).waitFor({ timeout: 10_000 });
    await poll(() => ann.page.locator('.notice').allTextContents()).toEqual([
      expect.stringContaining('This room has closed.'),
    ]);
    expect(await ann.page.getByRole('alert').count()).toBe(0);
    expect(await ann.page.locator('.notice').textContent()).not.toContain(roomId);
    closedRoom = undefined;
  });

  it('keeps a line over 2000 characters (the default limit) in the message box instead of sending it to be refused', async () => {
    const { ann } = people;
    await ann.page
      .locator('.notice button')
      .click()
      .catch(() => {});
    await startChat(ann, 'Sunday Jazz');
    const box = ann.page.getByRole('textbox', { name: 'Message' });
    await box.fill('z'.repeat(2001));
    await box.press('Enter');
    await expect
      .poll(() => ann.page.locator('#composer-count').textContent())
      .toBe('Too long to send: 2,001 characters, the limit is 2,000.');
    expect((await box.inputValue()).length).toBe(2001);
    await box.press('Backspace');
    await box.press('Enter');
    const stored = ann.page.locator('.line.talk:not(.pending) .content', { hasText: 'zzzz' });
    await stored.waitFor();
    expect((await stored.textContent())!.length).toBe(2000);
    expect(await ann.page.locator('.line.failed').count()).toBe(0);
  });

  it('names the room left when joining a fifth', async () => {
    const { ben } = people;
    const dj = await restUser(people.url, 'dj-five');
    const rooms: string[] = [];
    for (let i = 1; i <= 5; i++) rooms.push(await dj.openRoom(`Fifth test ${i}`));
    await signIn(ben, 'Ben');
    for (const [i, roomId] of rooms.entries()) {
      await ben.page.goto(`/#/room/${roomId}`);
      await ben.page.getByRole('heading', { name: `Fifth test ${i + 1}`, level: 1 }).waitFor();
    }
    await poll(() => ben.page.locator('.notice').allTextContents()).toEqual([
      expect.stringContaining('you left “Fifth test 1”'),
    ]);
  });
});
