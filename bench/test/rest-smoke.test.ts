import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CAP_ENDPOINTS, REST_ENDPOINTS, type RestBenchResult } from '../src/rest/bench';
import { runSmoke } from './support/smoke-run';

const main = join(__dirname, '..', 'dist', 'rest', 'main.js');

/**
 * The REST bench in smoke mode (`node bench/dist/rest/main.js --smoke`), so it never rots: a tiny
 * seed through the chat server's stores, the real single node, a second of load per endpoint.
 * It checks what the load saw (every endpoint answered, all 2xx) and that the report holds its
 * figures; speeds are the full run's business.
 */
describe('REST bench smoke run', () => {
  let result: RestBenchResult;
  let output: string;

  beforeAll(async () => {
    ({ output, report: result } = await runSmoke<RestBenchResult>(main, 90_000));
  }, 100_000);

  it('seeded the rooms, members and messages it was asked for', () => {
    expect(result.seed.rooms).toBeGreaterThan(0);
    expect(result.seed.messages).toBeGreaterThan(0);
    expect(result.seed.memberships).toBe(result.seed.rooms * result.seed.membersPerRoom);
    expect(result.seed.users).toBeGreaterThan(0);
  });

  it('measured every list and read endpoint, and the HTTP stack alone', () => {
    expect(result.endpoints.map((r) => r.endpoint)).toEqual([...REST_ENDPOINTS, ...CAP_ENDPOINTS]);
  });

  it.each([...REST_ENDPOINTS, ...CAP_ENDPOINTS])('%s: answered, every answer 2xx', (name) => {
    const r = result.endpoints.find((e) => e.endpoint === name)!;
    expect(r.status2xx).toBeGreaterThan(0);
    expect(r.requests).toBe(r.status2xx);
    expect(r.non2xx).toBe(0);
    expect(r.errors).toBe(0);
    expect(Object.keys(r.statuses)).toEqual(['200']);
    for (const field of ['p50Ms', 'p97_5Ms', 'p99Ms'] as const) {
      expect(Number.isFinite(r[field]), `${name}.${field}`).toBe(true);
      expect(r[field], `${name}.${field}`).toBeGreaterThanOrEqual(0);
    }
    for (const field of [
      'requestsPerSecond',
      'bytesPerAnswer',
      'serverCpuCores',
      'serverRssMb',
      'generatorCpuCores',
    ] as const) {
      expect(Number.isFinite(r[field]), `${name}.${field}`).toBe(true);
      expect(r[field], `${name}.${field}`).toBeGreaterThan(0);
    }
    expect(r.path).toMatch(/^GET \//);
  });

  it('prints one line per endpoint and the target line', () => {
    for (const name of [...REST_ENDPOINTS, ...CAP_ENDPOINTS]) expect(output).toContain(`\n${name} `);
    expect(output).toContain('target (issue 13)');
  });
});
