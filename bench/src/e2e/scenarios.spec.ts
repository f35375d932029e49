import { describe, expect, it } from 'vitest';
import { bisectRates } from './scenarios';

/** The rates tried, when every rate up to `limit` (lines/s) is clean and none above it. */
async function probes(clean: number, notClean: number, times: number, limit: number): Promise<number[]> {
  const tried: number[] = [];
  await bisectRates(clean, notClean, times, async (rate) => {
    tried.push(rate);
    return rate <= limit;
  });
  return tried;
}

describe('the saturation ladder’s refinement', () => {
  it('halves the gap where the ladder stopped being clean, keeping the half that holds the limit', async () => {
    expect(await probes(60, 70, 2, 67)).toEqual([65, 68]);
    expect(await probes(60, 70, 2, 62)).toEqual([65, 63]);
    expect(await probes(60, 70, 3, 67)).toEqual([65, 68, 67]);
  });

  it('tries nothing when asked for no halving, and stops once the two rates are a line a second apart', async () => {
    expect(await probes(60, 70, 0, 67)).toEqual([]);
    expect(await probes(60, 62, 5, 61)).toEqual([61]);
    expect(await probes(60, 61, 5, 60)).toEqual([]);
  });

  it('refines below the first rung when even that was not clean', async () => {
    expect(await probes(0, 10, 2, 4)).toEqual([5, 3]);
  });
});
