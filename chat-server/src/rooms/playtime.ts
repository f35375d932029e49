/** `m:ss` (minutes unbounded) or `h:mm:ss`; seconds and, with hours, minutes are two digits below 60. */
export const PLAYTIME_PATTERN = /^(?:(\d{1,3}):([0-5]\d)|(\d{1,3}):([0-5]\d):([0-5]\d))$/;

/** Seconds of a playtime, or null when it is malformed or zero (a zero-length track would stall the loop). */
export function parsePlaytime(playtime: string): number | null {
  const match = PLAYTIME_PATTERN.exec(playtime);
  if (!match) return null;
  const seconds =
    match[1] !== undefined
      ? Number(match[1]) * 60 + Number(match[2])
      : Number(match[3]) * 3600 + Number(match[4]) * 60 + Number(match[5]);
  return seconds > 0 ? seconds : null;
}
