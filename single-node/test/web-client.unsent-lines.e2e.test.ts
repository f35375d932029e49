import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  APPEARING_OFFLINE,
  appearOfflineInAnotherTab,
  person,
  send,
  signIn,
  startChat,
  talkLines,
  WAITING,
  type Person,
} from './support/browser';
import { controlConnection, type ConnectionControl } from './support/connection-control';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

const SENDING = 'Sending…';

/** My line on my page before the server has stored it. */
const pendingLine = (page: Page, text: string) => page.locator('.line.pending', { hasText: text });

/** The room's newest stored TALK lines (up to 20), read through the REST API with the page's own sign-in. */
const storedLines = (page: Page, roomId: string) =>
  page.evaluate<{ content: string; clientMessageId: string }[]>(`(async () => {
    const { token } = JSON.parse(localStorage.getItem('playlist-chat.session'));
    const response = await fetch('/v1/api/chat/history?roomId=${roomId}&size=20', {
      headers: { authorization: 'Bearer ' + token },
    });
    return (await response.json()).messages
      .filter((message) => message.type === 'TALK')
      .map(({ content, clientMessageId }) => ({ content, clientMessageId }));
  })()`);

/** How many times a text is in the list. */
const timesIn = (texts: string[], text: string) => texts.filter((each) => each === text).length;

/** The clientMessageIds of the lines with this text among STOMP frames, in order. */
const idsOf = (frames: string[], text: string) =>
  frames
    .filter((frame) => frame.startsWith('SEND\ndestination:/chat/pub/send\n'))
    .map(
      (frame) =>
        JSON.parse(frame.slice(frame.indexOf('\n\n') + 2).replace(/\0$/, '')) as {
          clientMessageId: string;
          content: string;
        },
    )
    .filter((body) => body.content === text)
    .map((body) => body.clientMessageId);

describe('web client: a line I wrote and the server has not stored survives leaving the room and reloading', () => {
  let people: TwoPeople;
  let ann: Person;
  let ben: Person;
  let roomId: string;
  let annNet: ConnectionControl;
  const poll = <T>(read: () => Promise<T> | T, timeout = 10_000) =>
    expect.poll(read, { timeout, interval: 50 });
  const annConnected = () =>
    poll(() => ann.page.locator('#connection').getAttribute('data-state')).toBe('connected');
  const openRoom = async (page: Page) => {
    await page.goto(`/#/room/${roomId}`);
    await page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
  };

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
    ({ ann, ben } = people);
    annNet = await controlConnection(ann.page);
    await signIn(ann, 'Ann');
    roomId = await startChat(ann);
    await signIn(ben, 'Ben');
    await openRoom(ben.page);
    await ann.page.locator('.room-meta', { hasText: '2 participants · 2 online' }).waitFor();
  });
  afterAll(() => people?.close());
  // Each test starts with the network whole, whatever the one before left.
  afterEach(() => {
    annNet.restore();
    annNet.dropToServer = null;
    annNet.dropToPage = null;
  });

  it('shows a line written while the connection is down again after a reload, then sends it: stored once, seen once', async () => {
    await annNet.cut();
    await poll(() => ann.page.locator('#connection').textContent()).not.toBe('Connected');
    await send(ann.page, 'written while cut off');
    await poll(() => pendingLine(ann.page, 'written while cut off').locator('.status').textContent()).toBe(
      WAITING,
    );

    await ann.page.reload();
    await ann.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    const pending = pendingLine(ann.page, 'written while cut off');
    await poll(() => pending.locator('.status').textContent()).toBe(WAITING);
    // After the history, at the bottom of the log.
    expect(await ann.page.locator('.messages > li').last().textContent()).toContain('written while cut off');

    annNet.restore();
    await annConnected();
    await poll(() => talkLines(ben.page)).toEqual(['written while cut off']);
    await poll(() => talkLines(ann.page)).toEqual(['written while cut off']);
    expect(await pending.count()).toBe(0);
    expect(
      timesIn(
        (await storedLines(ben.page, roomId)).map((line) => line.content),
        'written while cut off',
      ),
    ).toBe(1);

    // Stored: another reload shows it once, from the history, and nothing pending.
    await ann.page.reload();
    await ann.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    await poll(() => talkLines(ann.page)).toEqual(['written while cut off']);
    await annConnected();
    expect(await ann.page.locator('.line.pending').count()).toBe(0);
    expect(ann.pageErrors).toEqual([]);
  });

  it('sends a line that was still being sent when I went back to the lobby once I come back, with the same id', async () => {
    await annConnected();
    // The SEND is lost on the way: the page waits for its RECEIPT.
    const lost: string[] = [];
    annNet.dropToServer = (frame) => frame.includes('on its way') && lost.push(frame) > 0;
    await send(ann.page, 'on its way');
    await poll(() => pendingLine(ann.page, 'on its way').locator('.status').textContent()).toBe(SENDING);
    const [id] = idsOf(lost, 'on its way');
    expect(id).toBeTruthy();

    await ann.page.getByRole('button', { name: '← Rooms' }).click();
    await ann.page.getByRole('heading', { name: 'My rooms' }).waitFor();
    annNet.dropToServer = null;
    await ann.page
      .locator('section', { has: ann.page.getByRole('heading', { name: 'My rooms' }) })
      .getByRole('link', { name: /Night Drive/ })
      .click();
    await ann.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();

    await poll(() => talkLines(ben.page)).toContain('on its way');
    await poll(() => talkLines(ann.page)).toContain('on its way');
    expect(await ann.page.locator('.line.pending').count()).toBe(0);
    expect(timesIn(await talkLines(ben.page), 'on its way')).toBe(1);
    expect(timesIn(await talkLines(ann.page), 'on its way')).toBe(1);
    // Sent again with the same id, and stored under it.
    expect(idsOf(ann.sentFrames, 'on its way')).toEqual([id]);
    const stored = (await storedLines(ben.page, roomId)).filter((line) => line.content === 'on its way');
    expect(stored).toEqual([{ content: 'on its way', clientMessageId: id }]);
    expect(ann.pageErrors).toEqual([]);
  });

  it('keeps nothing pending for a line stored before a reload whose answer was lost, even when it is older than the page shown', async () => {
    await annConnected();
    // The server stores the line, but neither its copy on the room topic nor its RECEIPT reach the page.
    annNet.dropToPage = (frame) => frame.startsWith('RECEIPT') || frame.includes('stored, answer lost');
    await send(ann.page, 'stored, answer lost');
    await poll(async () =>
      timesIn(
        (await storedLines(ben.page, roomId)).map((line) => line.content),
        'stored, answer lost',
      ),
    ).toBe(1);
    expect(await pendingLine(ann.page, 'stored, answer lost').count()).toBe(1);
    // More than a page of lines after it: the history shown after the reload does not hold it.
    const newer = Array.from({ length: 13 }, (_, index) => `newer ${index + 1}`);
    for (const line of newer) await send(ben.page, line);
    await poll(() => talkLines(ben.page)).toContain('newer 13');

    annNet.dropToPage = null;
    await ann.page.reload();
    await ann.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    await annConnected();
    await poll(() => talkLines(ann.page)).toContain('newer 13');
    await poll(() => ann.page.locator('.line.pending').count()).toBe(0);
    expect(
      timesIn(
        (await storedLines(ben.page, roomId)).map((line) => line.content),
        'stored, answer lost',
      ),
    ).toBe(1);
    expect(timesIn(await talkLines(ben.page), 'stored, answer lost')).toBe(1);
    // It is in the history above, once.
    await ann.page.locator('.log').evaluate((log) => (log.scrollTop = 0));
    await poll(() => talkLines(ann.page)).toContain('stored, answer lost');
    expect(timesIn(await talkLines(ann.page), 'stored, answer lost')).toBe(1);
    expect(ann.pageErrors).toEqual([]);
  }, 60_000);

  it('keeps a refused line failed after a reload, with its reason and Retry, and sends it on Retry once I may', async () => {
    await annConnected();
    const otherTab = await appearOfflineInAnotherTab(ann);
    try {
      await ann.page.getByRole('button', { name: 'Go online' }).waitFor();
      await send(ann.page, 'refused at first');
      const failed = ann.page.locator('.line.failed', { hasText: 'refused at first' });
      await poll(() => failed.getByRole('alert').textContent()).toMatch(
        /^Not sent: .*presence in this room is off/,
      );
      const reason = await failed.getByRole('alert').textContent();
      await annConnected();

      await ann.page.reload();
      await ann.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
      await poll(() => failed.getByRole('alert').textContent()).toBe(reason);
      await annConnected();
      // Still appearing offline: Retry says why, and sends nothing the server would refuse.
      await failed.getByRole('button', { name: 'Retry' }).click();
      await poll(() => failed.getByRole('alert').textContent()).toBe(`Not sent: ${APPEARING_OFFLINE}`);

      await otherTab.getByRole('button', { name: 'Go online' }).click();
      await ann.page.getByRole('button', { name: 'Appear offline' }).waitFor();
      await failed.getByRole('button', { name: 'Retry' }).click();
      await poll(() => talkLines(ben.page)).toContain('refused at first');
      await poll(() => ann.page.locator('.line.pending').count()).toBe(0);
      expect(timesIn(await talkLines(ben.page), 'refused at first')).toBe(1);
      expect(timesIn(await talkLines(ann.page), 'refused at first')).toBe(1);
      expect(ann.pageErrors).toEqual([]);
    } finally {
      // Online again for the tests after this one, whatever happened here.
      const goOnline = otherTab.getByRole('button', { name: 'Go online' });
      if (await goOnline.isVisible()) await goOnline.click();
      await otherTab.getByRole('button', { name: 'Appear offline' }).waitFor();
      await otherTab.close();
    }
  }, 60_000);

  it('lets me discard a refused line: gone from the page, and still gone after a reload', async () => {
    await annConnected();
    const otherTab = await appearOfflineInAnotherTab(ann);
    try {
      await ann.page.getByRole('button', { name: 'Go online' }).waitFor();
      await send(ann.page, 'let it go');
      const failed = ann.page.locator('.line.failed', { hasText: 'let it go' });
      await failed.getByRole('alert').waitFor();

      await failed.getByRole('button', { name: 'Discard' }).click();
      await poll(() => failed.count()).toBe(0);
      await annConnected();
      await ann.page.reload();
      await ann.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
      await annConnected();
      await ann.page.waitForTimeout(1000); // a restored line would show at once
      expect(await ann.page.locator('.line', { hasText: 'let it go' }).count()).toBe(0);
      expect(await talkLines(ben.page)).not.toContain('let it go');
      expect(ann.pageErrors).toEqual([]);
    } finally {
      const goOnline = otherTab.getByRole('button', { name: 'Go online' });
      if (await goOnline.isVisible()) await goOnline.click();
      await otherTab.getByRole('button', { name: 'Appear offline' }).waitFor();
      await otherTab.close();
    }
  }, 60_000);

  it('forgets the unsent lines of a room I leave for good', async () => {
    await annConnected();
    await annNet.cut();
    await poll(() => ann.page.locator('#connection').textContent()).not.toBe('Connected');
    await send(ann.page, 'never mind');
    await poll(() => pendingLine(ann.page, 'never mind').locator('.status').textContent()).toBe(WAITING);
    ann.page.once('dialog', (dialog) => void dialog.accept());
    await ann.page.getByRole('button', { name: 'Leave room' }).click();
    await ann.page.getByRole('heading', { name: 'My rooms' }).waitFor();
    annNet.restore();
    await annConnected();

    // Back in (joining again): nothing of before is shown or sent.
    await ann.page
      .locator('section', { has: ann.page.getByRole('heading', { name: 'Live rooms' }) })
      .getByRole('link', { name: /Night Drive/ })
      .click();
    await ann.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    await poll(() => ben.page.locator('.line.system').last().textContent()).toContain('Ann has entered');
    await ann.page.waitForTimeout(1000); // a resend would go at once
    expect(await ann.page.locator('.line.pending').count()).toBe(0);
    expect(await talkLines(ben.page)).not.toContain('never mind');
    expect(ann.pageErrors).toEqual([]);
  });

  it('still sends when the tab keeps nothing (storage full)', async () => {
    const cy = await person(ann.context.browser()!, people.url);
    // Every write to storage fails as it does when the quota is used up.
    await cy.context.addInitScript(`(() => {
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (key, value) {
        if (this === window.sessionStorage) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return setItem.call(this, key, value);
      };
    })()`);
    await signIn(cy, 'Cy');
    await openRoom(cy.page);
    await poll(() => cy.page.locator('#connection').getAttribute('data-state')).toBe('connected');
    await send(cy.page, 'from a full tab');
    await poll(() => talkLines(ben.page)).toContain('from a full tab');
    await poll(() => talkLines(cy.page)).toContain('from a full tab');
    expect(await cy.page.locator('.line.pending').count()).toBe(0);
    expect(cy.pageErrors).toEqual([]);
    await cy.context.close();
  });
});
