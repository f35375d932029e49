import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import {
  APPEARING_OFFLINE,
  appearOfflineInAnotherTab,
  computedStyle,
  focused,
  person,
  send,
  signIn,
  startChat,
  talkLines,
  type Person,
} from './support/browser';
import { twoPeopleOnSingleNode, type TwoPeople } from './support/two-people';

/**
 * The texts a sentence keeps apart from itself, one per element that isolates its direction
 * (`<bdi>` or `dir=auto`, both `unicode-bidi: isolate`): a name in one keeps its own direction.
 */
async function isolatedTexts(sentence: Locator): Promise<string[]> {
  const isolating = sentence.locator('bdi, [dir=auto]');
  for (let i = 0; i < (await isolating.count()); i++)
    expect(await computedStyle(isolating.nth(i), 'unicode-bidi')).toBe('isolate');
  return isolating.allTextContents();
}

describe('web client: right-to-left names stay apart in typing and receipts; Retry keeps keyboard focus', () => {
  let people: TwoPeople;
  let ann: Person;
  let sara: Person;
  let layla: Person;
  let roomId: string;
  let annsOtherTab: Page;
  const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000, interval: 50 });
  /** A refused line is an ERROR, which ends Ann's STOMP connection: wait until it is back. */
  const annConnected = () =>
    poll(() => ann.page.locator('#connection').getAttribute('data-state')).toBe('connected');

  beforeAll(async () => {
    people = await twoPeopleOnSingleNode();
    ann = people.ann;
    sara = people.ben;
    layla = await person(ann.context.browser()!, people.url);
    await signIn(ann, 'Ann');
    roomId = await startChat(ann);
    for (const [someone, nickName] of [
      [sara, 'שרה'],
      [layla, 'ليلى'],
    ] as const) {
      await signIn(someone, nickName);
      await someone.page.goto(`/#/room/${roomId}`);
      await someone.page.getByRole('heading', { name: 'Night Drive', level: 1 }).waitFor();
    }
    await ann.page.locator('.line.system').nth(2).waitFor(); // Ann sees both come in
  });
  afterAll(() => people?.close());

  it('keeps each right-to-left name in "… are typing" apart from the English around it', async () => {
    const typing = ann.page.locator('.typing');
    await sara.page.getByRole('textbox', { name: 'Message' }).pressSequentially('abc');
    await poll(() => typing.textContent()).toBe('שרה is typing…');
    expect(await isolatedTexts(typing)).toEqual(['שרה']);

    await layla.page.getByRole('textbox', { name: 'Message' }).pressSequentially('abc');
    await poll(() => typing.textContent()).toBe('שרה and ليلى are typing…');
    expect(await isolatedTexts(typing)).toEqual(['שרה', 'ليلى']);
    expect(await computedStyle(typing, 'direction')).toBe('ltr');
    for (const someone of [sara, layla])
      await someone.page.getByRole('textbox', { name: 'Message' }).fill('');
  });

  it('keeps each right-to-left name in "Seen by …" apart from the English around it', async () => {
    await send(ann.page, 'hello both');
    const receipts = ann.page
      .locator('.line.talk:not(.pending)', { hasText: 'hello both' })
      .locator('.receipts');
    await poll(() => receipts.textContent()).toBe('Seen by שרה, ليلى');
    expect(await isolatedTexts(receipts)).toEqual(['שרה', 'ليلى']);
    expect(await computedStyle(receipts, 'direction')).toBe('ltr');
    expect(ann.pageErrors).toEqual([]);
  });

  it('moves focus to the message box when Retry is pressed, not to the page, and again when it is clicked', async () => {
    // Appearing offline (chosen in another tab), Ann's lines are refused (presence-off) until she goes online again.
    annsOtherTab = await appearOfflineInAnotherTab(ann);
    await ann.page.getByRole('button', { name: 'Go online' }).waitFor();
    await send(ann.page, 'anyone there?');
    const failed = ann.page.locator('.line.failed');
    await poll(() => failed.getByRole('alert').textContent()).toContain('Not sent:');
    await annConnected();

    // From the keyboard: the Retry button goes away as the line is sent again.
    await failed.getByRole('button', { name: 'Retry' }).focus();
    await ann.page.keyboard.press('Enter');
    expect(await focused(ann.page)).toMatch(/^textarea/);
    expect(await ann.page.locator('#composer-input:focus-visible').count()).toBe(1);

    // Refused again: a new Retry comes, and focus stays where the person is writing.
    await poll(() => ann.page.locator('.line.failed .status').textContent()).toContain('Not sent:');
    expect(await focused(ann.page)).toMatch(/^textarea/);
    await annConnected();
    await ann.page.locator('.line.failed').getByRole('button', { name: 'Retry' }).click();
    expect(await focused(ann.page)).toMatch(/^textarea/);
    await poll(() => ann.page.locator('.line.failed .status').textContent()).toContain('Not sent:');
    expect(ann.pageErrors).toEqual([]);
  });

  it('once a line is refused for appearing offline, holds back the next line and Retry until online again', async () => {
    const box = ann.page.getByRole('textbox', { name: 'Message' });
    const failed = ann.page.locator('.line.failed');
    const sends = () => ann.sentFrames.filter((frame) => frame.includes('destination:/chat/pub/send')).length;
    const sentBefore = sends();
    const connects = () => ann.sentFrames.filter((frame) => frame.startsWith('CONNECT')).length;
    const connectsBefore = connects();

    // The refusal above told the page what the other tab chose: a new line stays in the box.
    await send(ann.page, 'still there?');
    await poll(() => ann.page.locator('#composer-count').textContent()).toBe(APPEARING_OFFLINE);
    expect(await box.inputValue()).toBe('still there?');
    // Retry says why at once, and sends nothing the server would refuse (its ERROR ends the connection).
    await failed.getByRole('button', { name: 'Retry' }).click();
    await poll(() => failed.getByRole('alert').textContent()).toBe(`Not sent: ${APPEARING_OFFLINE}`);
    expect(sends()).toBe(sentBefore);
    expect(connects()).toBe(connectsBefore);
    expect(await ann.page.locator('#connection').getAttribute('data-state')).toBe('connected');

    // Online again in the other tab: this page hears it, and both lines go.
    await annsOtherTab.getByRole('button', { name: 'Go online' }).click();
    await ann.page.getByRole('button', { name: 'Appear offline' }).waitFor();
    await poll(() => ann.page.locator('#composer-count').textContent()).toBe('');
    await failed.getByRole('button', { name: 'Retry' }).click();
    await box.press('Enter');
    await poll(() => talkLines(sara.page)).toEqual(['hello both', 'anyone there?', 'still there?']);
    expect(await ann.page.locator('.line.failed').count()).toBe(0);
    expect(ann.pageErrors).toEqual([]);
  });
});
