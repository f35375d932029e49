import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStaticServices } from '../service-registry/service-registry.static';
import { platformSettings } from './platform.settings';
import { ConfigError, loadSettings } from './settings';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadSettings(platformSettings, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
};

describe('platform settings in a cluster', () => {
  const cluster = { DEPLOYMENT_MODE: 'cluster', PRESENCE_INTERNAL_TOKEN: 'internal-secret' };

  it.each(['EVENT_BUS', 'ROOM_FANOUT', 'SERVICE_REGISTRY'])('refuses %s=memory, naming it', (variable) => {
    expect(problemsOf({ ...cluster, [variable]: 'memory' }).join('\n')).toMatch(
      new RegExp(`^${variable} must not be memory when DEPLOYMENT_MODE=cluster`, 'm'),
    );
  });

  it('defaults to the shared adapters, and asks for their addresses', () => {
    const problems = problemsOf(cluster).join('\n');
    expect(problems).toContain('KAFKA_BROKERS is required when EVENT_BUS=kafka');
    expect(problems).toContain('REDIS_URL is required');
    expect(problems).toContain('CONSUL_URL is required when SERVICE_REGISTRY=consul');
  });

  it('takes the in-process adapters in single node, by default', () => {
    expect(loadSettings(platformSettings, {})).toMatchObject({
      eventBus: 'memory',
      fanout: 'memory',
      registry: 'memory',
    });
  });
});

describe('platform settings: addresses checked at start-up, named like every bad variable', () => {
  it.each([
    ['notaurl', 'must be a URL starting with redis:// or rediss://'],
    ['http://redis:6379', 'must be a URL starting with redis:// or rediss://'],
  ])('refuses REDIS_URL=%s, which would leave the node never ready', (value, rule) => {
    expect(problemsOf({ ROOM_FANOUT: 'redis', REDIS_URL: value })).toEqual([
      `REDIS_URL ${rule} (got "${value}")`,
    ]);
  });

  it('takes redis:// and rediss:// URLs, and masks the password of a refused one', () => {
    expect(
      loadSettings(platformSettings, { ROOM_FANOUT: 'redis', REDIS_URL: 'redis://redis:6379/0' }),
    ).toMatchObject({ redisUrl: 'redis://redis:6379/0' });
    expect(
      loadSettings(platformSettings, { EVENT_BUS: 'redis', REDIS_URL: 'rediss://:pw@cache:6380' }).redisUrl,
    ).toBe('rediss://:pw@cache:6380');
    expect(problemsOf({ REDIS_URL: 'https://:hunter2@redis:6379' })).toEqual([
      'REDIS_URL must be a URL starting with redis:// or rediss:// (got "https://:***@redis:6379")',
    ]);
  });

  it.each(['notaurl', 'consul:8500', 'ftp://consul:8500'])('refuses CONSUL_URL=%s', (value) => {
    expect(problemsOf({ SERVICE_REGISTRY: 'consul', CONSUL_URL: value })).toEqual([
      `CONSUL_URL must be a URL starting with http:// or https:// (got "${value}")`,
    ]);
  });

  it('takes an http(s) CONSUL_URL', () => {
    expect(
      loadSettings(platformSettings, {
        SERVICE_REGISTRY: 'consul',
        CONSUL_URL: 'https://consul.example:8501',
      }).consulUrl,
    ).toBe('https://consul.example:8501');
  });

  it.each([
    ['chat-server=notaurl', '"notaurl" is not a URL'],
    [
      'chat-server=http://10.0.0.5:18000,https://10.0.0.6:18000',
      '"https://10.0.0.6:18000" must be http://host:port',
    ],
    ['chat-server=http://10.0.0.5', '"http://10.0.0.5" must be http://host:port'],
    ['chat-server', 'must be service=http://host:port,http://host:port;service=…'],
  ])('checks every URL listed in STATIC_SERVICES=%s', (value, rule) => {
    expect(problemsOf({ SERVICE_REGISTRY: 'static', STATIC_SERVICES: value }).join('\n')).toContain(
      `STATIC_SERVICES ${rule}`,
    );
  });

  it('takes a STATIC_SERVICES list of http://host:port URLs', () => {
    const services =
      'chat-server=http://10.0.0.5:18000,http://10.0.0.6:18000;presence-server=http://10.0.0.7:18010';
    expect(
      loadSettings(platformSettings, { SERVICE_REGISTRY: 'static', STATIC_SERVICES: services })
        .staticServices,
    ).toBe(services);
  });

  it('never echoes PRESENCE_INTERNAL_TOKEN: it is marked secret', () => {
    expect(platformSettings.presenceInternalToken.secret).toBe(true);
  });
});

describe('STATIC_SERVICES: the settings check and the static registry read a list alike', () => {
  it.each([
    '',
    'chat-server=http://10.0.0.5:18000,http://10.0.0.6:18000;presence-server=http://10.0.0.7:18010;',
    ' chat-server = http://a:1 , ; presence-server=',
    'chat-server=notaurl',
    'chat-server=http://10.0.0.5',
    'chat-server=https://10.0.0.5:443',
    'chat-server=http://a:1;presence-server=ftp://b:2',
    '=http://a:1',
    'chat-server',
  ])('%j', (value) => {
    const registry = parseStaticServices(value);
    const settings = problemsOf({ STATIC_SERVICES: value }).filter((problem) =>
      problem.startsWith('STATIC_SERVICES'),
    );
    if (typeof registry === 'string') expect(settings.join('\n')).toMatch(/^STATIC_SERVICES /);
    else expect(settings).toEqual([]);
    if (typeof registry === 'string' && !settings[0].includes(' must be service='))
      expect(settings[0]).toBe(`STATIC_SERVICES ${registry} (got "${value}")`);
  });
});

describe('DATA_DIR', () => {
  it('refuses a file where the folder should be, and takes a folder or a path not made yet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'data-dir-'));
    try {
      const file = join(dir, 'a-file');
      writeFileSync(file, '');
      expect(problemsOf({ DATA_DIR: file })).toEqual([
        `DATA_DIR must be a folder, not a file (got "${file}")`,
      ]);
      expect(problemsOf({ DATA_DIR: dir })).toEqual([]);
      expect(problemsOf({ DATA_DIR: join(dir, 'not-yet') })).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
