import { describe, expect, it } from 'vitest';
import { loadChatSettings } from './chat.settings';

const DAY_MS = 86_400_000;

/** Days from each first of a month to the same day six months on, over a leap cycle: the longest. */
function longestSixCalendarMonthsInDays(): number {
  let longest = 0;
  for (let year = 2024; year < 2028; year++)
    for (let month = 0; month < 12; month++)
      longest = Math.max(longest, (Date.UTC(year, month + 6, 1) - Date.UTC(year, month, 1)) / DAY_MS);
  return longest;
}

describe('MESSAGE_RETENTION_DAYS', () => {
  it('keeps messages at least six calendar months by default, however long those months are', () => {
    expect(longestSixCalendarMonthsInDays()).toBe(184); // July to December
    expect(loadChatSettings({}).retentionDays).toBeGreaterThanOrEqual(longestSixCalendarMonthsInDays());
    expect(loadChatSettings({ DEPLOYMENT_MODE: 'cluster' }).retentionDays).toBe(184);
  });

  it('lets an operator choose a shorter retention', () => {
    expect(loadChatSettings({ MESSAGE_RETENTION_DAYS: '30' }).retentionDays).toBe(30);
  });
});
