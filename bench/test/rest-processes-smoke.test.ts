import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const entry = join(__dirname, '..', 'dist', 'rest', 'processes.js');

/**
 * `node bench/dist/rest/processes.js --smoke`, so the multi-process REST bench never rots: a tiny
 * seed, `npm run cluster:local` with one and then two chat servers (real processes, a private
 * redis-server), a second of load per endpoint split over the chat ports.
 */
describe('REST from more than one process, smoke run', () => {
  it('measured every endpoint on one and on two chat servers, every answer 2xx', async () => {
    const { stdout } = await run(process.execPath, [entry, '--smoke'], {
      timeout: 110_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const lines = stdout.split('\n').filter((line) => line.startsWith('round '));
    const seen = lines.map((line) => {
      const match =
        /^round 1 {2}(\d) chat process\(es\) {2}(\S+)\s+([\d,]+) req\/s .* non-2xx (\d+) {2}errors (\d+)/.exec(
          line,
        );
      expect(match, line).not.toBeNull();
      const [, processes, endpoint, perSecond, non2xx, errors] = match!;
      expect(Number(perSecond.replace(/,/g, '')), line).toBeGreaterThan(0);
      expect({ non2xx, errors }, line).toEqual({ non2xx: '0', errors: '0' });
      return `${processes} ${endpoint}`;
    });
    expect(seen).toEqual(
      ['1', '2'].flatMap((processes) =>
        ['room', 'history-page', 'rooms-joined'].map((endpoint) => `${processes} ${endpoint}`),
      ),
    );
  }, 120_000);
});
