import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings, redactUrl, setting, type SettingsSpec } from './settings';

const problemsOf = (spec: SettingsSpec, env: Record<string, string>): string[] => {
  try {
    loadSettings(spec, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
};

describe('loadSettings never prints a credential', () => {
  const spec = {
    database: setting.string('TEST_DB_URL', '', 'a connection string', {
      refuse: (value) =>
        value === '' || value.endsWith('/chat') ? undefined : 'must name the database chat',
    }),
    token: setting.string('TEST_TOKEN', '', 'a secret', {
      secret: true,
      pattern: /^[a-z]*$/,
      hint: 'lower-case letters',
    }),
    port: setting.port('TEST_PORT', 1, 'a port'),
  };

  it('masks the password of a URL in the value it echoes, keeping the rest to recognise it by', () => {
    const problems = problemsOf(spec, { TEST_DB_URL: 'mongodb://admin:S3cretPassw0rd@db.example:27017' });
    expect(problems).toEqual([
      'TEST_DB_URL must name the database chat (got "mongodb://admin:***@db.example:27017")',
    ]);
    expect(problems.join('\n')).not.toContain('S3cretPassw0rd');
  });

  it('never echoes the value of a setting marked secret, and still names the variable and its rule', () => {
    const problems = problemsOf(spec, { TEST_TOKEN: 'Not-A-Valid-Secret', TEST_PORT: 'abc' });
    expect(problems).toEqual([
      'TEST_TOKEN must be lower-case letters (value not shown)',
      'TEST_PORT must be an integer from 0 to 65535 (got "abc")',
    ]);
    expect(problems.join('\n')).not.toContain('Not-A-Valid-Secret');
  });

  it('marks the setting itself secret, for whoever prints settings', () => {
    expect(spec.token.secret).toBe(true);
    expect(spec.database.secret).toBeFalsy();
  });

  it('masks a URL password a rule puts in its own message (a list item)', () => {
    const list = {
      urls: setting.list('TEST_URLS', '', 'urls', {
        item: (value) => (value.startsWith('http://') ? undefined : 'is not an http:// URL'),
      }),
    };
    expect(problemsOf(list, { TEST_URLS: 'ftp://me:pw@files' })).toEqual([
      'TEST_URLS item "ftp://me:***@files" is not an http:// URL (got "ftp://me:***@files")',
    ]);
  });
});

describe('setting.url', () => {
  const spec = {
    redis: setting.url('TEST_REDIS_URL', '', 'a Redis URL', {
      optional: true,
      protocols: ['redis:', 'rediss:'],
    }),
    web: setting.url('TEST_WEB_URL', 'http://localhost:1', 'an http URL', { protocols: ['http:', 'https:'] }),
  };

  it.each([
    ['notaurl', 'must be a URL starting with redis:// or rediss://'],
    ['http://redis:6379', 'must be a URL starting with redis:// or rediss://'],
    ['redis:no-host', 'must be a URL starting with redis:// or rediss://'],
  ])('refuses %s for a Redis URL, naming the schemes it takes', (value, rule) => {
    expect(problemsOf(spec, { TEST_REDIS_URL: value })).toEqual([`TEST_REDIS_URL ${rule} (got "${value}")`]);
  });

  it('takes the schemes it lists, and empty when optional', () => {
    expect(loadSettings(spec, { TEST_REDIS_URL: 'rediss://:pw@cache:6380/1' }).redis).toBe(
      'rediss://:pw@cache:6380/1',
    );
    expect(loadSettings(spec, { TEST_REDIS_URL: 'redis://redis:6379' }).redis).toBe('redis://redis:6379');
    expect(loadSettings(spec, {}).redis).toBe('');
    expect(loadSettings(spec, { TEST_WEB_URL: 'https://consul.example:8501/' }).web).toBe(
      'https://consul.example:8501',
    );
  });

  it('refuses another scheme for an http URL', () => {
    expect(problemsOf(spec, { TEST_WEB_URL: 'consul:8500' })).toEqual([
      'TEST_WEB_URL must be a URL starting with http:// or https:// (got "consul:8500")',
    ]);
  });
});

describe('redactUrl', () => {
  it.each([
    ['mongodb://admin:S3cretPassw0rd@db.example:27017', 'mongodb://admin:***@db.example:27017'],
    [
      'mongodb+srv://app:pw@cluster0.example.net/chat?retryWrites=true',
      'mongodb+srv://app:***@cluster0.example.net/chat?retryWrites=true',
    ],
    ['mongodb://u:p@h1:27017,h2:27017/chat', 'mongodb://u:***@h1:27017,h2:27017/chat'],
    ['redis://:hunter2@redis:6379/0', 'redis://:***@redis:6379/0'],
    ['rediss://default:pw@cache.example:6380', 'rediss://default:***@cache.example:6380'],
  ])('keeps the user and masks the password: %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it('masks a user-only userinfo whole: it is often a token (https://<token>@host)', () => {
    expect(redactUrl('https://ghp_abc123@example.com/repo')).toBe('https://***@example.com/repo');
  });

  it.each([
    ['a / (base64)', 'mongodb://admin:ab/cd+ef==@db:27017/chat', 'mongodb://admin:***@db:27017/chat'],
    ['a #', 'mongodb://admin:P4ss#word@db:27017/chat', 'mongodb://admin:***@db:27017/chat'],
    ['an @', 'mongodb://admin:P@ssword@db:27017/chat', 'mongodb://admin:***@db:27017/chat'],
    ['a ?', 'redis://:a?b@redis:6379', 'redis://:***@redis:6379'],
    ['a quote', 'redis://:a"b@redis:6379', 'redis://:***@redis:6379'],
  ])('masks a password that holds %s, which a URL parser would split on', (_, url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
    expect(redactUrl(url)).not.toMatch(/word|cd\+ef|a\?b|a"b/);
  });

  it('masks every URL in a longer text, and leaves the rest as it is', () => {
    expect(
      redactUrl(
        'MONGO_URL must name the database (got "mongodb://admin:S3cret@db:27017"); REDIS_URL=redis://:pw@r:6379 ok',
      ),
    ).toBe(
      'MONGO_URL must name the database (got "mongodb://admin:***@db:27017"); REDIS_URL=redis://:***@r:6379 ok',
    );
    expect(redactUrl('chat-server=http://a:1,http://u:p@b:2;presence-server=http://c:3')).toBe(
      'chat-server=http://a:1,http://u:***@b:2;presence-server=http://c:3',
    );
  });

  it('leaves URLs without credentials, and text without URLs, unchanged', () => {
    for (const text of [
      'http://127.0.0.1:18000/health/ready',
      'redis://redis:6379',
      'mongodb://mongo:27017/chat',
      'mail me at someone@example.com',
      'CHAT_PORT must be an integer from 0 to 65535 (got "abc")',
      '',
    ])
      expect(redactUrl(text)).toBe(text);
  });

  it('masks the password whatever the scheme’s letter case', () => {
    expect(redactUrl('MongoDB://Admin:Pw@db/chat')).toBe('MongoDB://Admin:***@db/chat');
  });
});
