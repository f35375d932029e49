import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings, loadSettingsGroups, setting, type Env } from '@playlist-chat/platform';

const web = {
  port: setting.port('TEST_WEB_PORT', 8080, 'web port'),
  host: setting.string('TEST_WEB_HOST', '0.0.0.0', 'web host'),
};
const store = {
  kind: setting.oneOf('TEST_STORE', ['memory', 'redis'], 'memory', 'store kind'),
  url: setting.string('TEST_STORE_URL', '', 'store URL'),
};

const load = (env: Env) =>
  loadSettingsGroups(
    { web: () => loadSettings(web, env), store: () => loadSettings(store, env) },
    ({ store: loaded }) =>
      loaded?.kind === 'redis' && loaded.url === ''
        ? ['TEST_STORE_URL is required when TEST_STORE is redis']
        : [],
  );

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadSettingsGroups', () => {
  it('returns every group by name when all are valid', () => {
    expect(load({ TEST_WEB_PORT: '9000', TEST_STORE: 'redis', TEST_STORE_URL: 'redis://r:6379' })).toEqual({
      web: { port: 9000, host: '0.0.0.0' },
      store: { kind: 'redis', url: 'redis://r:6379' },
    });
  });

  it('names the bad variables of every group in one ConfigError, in group order', () => {
    expect(problemsOf(() => load({ TEST_WEB_PORT: 'eighty', TEST_STORE: 'disk' }))).toEqual([
      'TEST_WEB_PORT must be an integer from 0 to 65535 (got "eighty")',
      'TEST_STORE must be one of memory, redis (got "disk")',
    ]);
  });

  it('adds the cross-group rules, alongside the other groups’ problems', () => {
    expect(problemsOf(() => load({ TEST_WEB_PORT: 'eighty', TEST_STORE: 'redis' }))).toEqual([
      'TEST_WEB_PORT must be an integer from 0 to 65535 (got "eighty")',
      'TEST_STORE_URL is required when TEST_STORE is redis',
    ]);
  });

  it('lets an error that is not about settings through as it is', () => {
    const bug = new TypeError('loader bug');
    expect(() =>
      loadSettingsGroups({
        broken: () => {
          throw bug;
        },
      }),
    ).toThrow(bug);
  });
});
