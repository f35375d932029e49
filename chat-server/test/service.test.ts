import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, type Env } from '@playlist-chat/platform';
import { sharedInMemoryServiceRegistry } from '@playlist-chat/platform/adapters';
import { startChatServer } from '@playlist-chat/chat-server';
import { chatSettings } from '../src/config/chat.settings';
import { freshDataDir, TestChatServer } from './support/chat-server';

interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, { required?: string[] }> };
}

describe('the chat server as a service', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start();
  });
  afterAll(() => chat.close());

  it('listens on the real port when asked for port 0', () => {
    expect(chat.server.port).toBeGreaterThan(0);
    expect(chat.url).toBe(`http://127.0.0.1:${chat.server.port}`);
    expect(chat.server.name).toBe('chat-server');
  });

  it('documents every REST path, with error responses, at /docs-json and serves the UI at /docs', async () => {
    const document = (await (await fetch(`${chat.url}/docs-json`)).json()) as OpenApi;
    const paths = Object.keys(document.paths);
    for (const path of [
      '/v1/api/rooms/create',
      '/v1/api/rooms/{roomId}',
      '/v1/api/rooms/leave',
      '/v1/api/rooms/exit/{roomId}',
      '/v1/api/rooms/joined',
      '/v1/api/rooms/unjoined',
      '/v1/api/rooms',
      '/v1/api/chat/api/v1/rooms/joined/{roomId}',
      '/v1/api/chat/api/v1/history/{roomId}',
      '/v1/api/chat/history',
      '/v1/api/chat/search',
      '/v1/api/chat/api/v1/message',
      '/v1/api/auth/dev-token',
    ]) {
      expect(paths).toContain(path);
    }
    expect(Object.keys(document.paths['/v1/api/rooms/create'].post.responses).sort()).toEqual([
      '200',
      '201',
      '400',
      '401',
      '403',
      '408',
      '413',
      '415',
      '421',
      '429',
      '431',
      '502',
      '503',
      '504',
    ]);
    expect(document.components.schemas.CreateRoomDto.required).toEqual(
      expect.arrayContaining(['uid', 'userName', 'playlist']),
    );
    const ui = await fetch(`${chat.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('answers health probes', async () => {
    expect((await fetch(`${chat.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${chat.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { store: { status: 'up' } } });
  });

  it('registers in discovery with its health check and deregisters on close', async () => {
    const other = await TestChatServer.start();
    const registry = sharedInMemoryServiceRegistry();
    const mine = (instances: { port: number }[]) =>
      instances.filter((instance) => instance.port === other.server.port);
    const registered = mine(await registry.healthy('chat-server'));
    expect(registered).toEqual([
      expect.objectContaining({ service: 'chat-server', host: '127.0.0.1', port: other.server.port }),
    ]);
    await other.close();
    expect(mine(await registry.healthy('chat-server'))).toEqual([]);
  });
});

describe('configuration', () => {
  it('refuses to start with a bad variable, naming it', async () => {
    const error = await startChatServer({
      CHAT_PORT: 'eighty',
      DATA_DIR: freshDataDir(),
      CHAT_MAX_CONTENT_LENGTH: '0',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('CHAT_PORT');
    expect((error as ConfigError).message).toContain('CHAT_MAX_CONTENT_LENGTH');
  });

  it('allows any Origin only in single node', async () => {
    const error = await startChatServer({
      DEPLOYMENT_MODE: 'cluster',
      CHAT_ALLOWED_ORIGINS: '*',
      AUTH_JWT_SECRET: 'x'.repeat(40),
      DATA_DIR: freshDataDir(),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('CHAT_ALLOWED_ORIGINS');
  });

  it('needs a key in a cluster', async () => {
    const error = await startChatServer({ DEPLOYMENT_MODE: 'cluster', DATA_DIR: freshDataDir() }).catch(
      (caught: unknown) => caught,
    );
    expect((error as ConfigError).message).toContain('AUTH_JWT_SECRET');
  });

  /** A public key AUTH_JWT_PUBLIC_KEY takes (RSA, read at start-up): a cluster then needs no secret to verify tokens. */
  const publicKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();

  /** The problems the settings loader names when the chat server is started with `env`; fails if it starts. */
  async function refusalOf(env: Env): Promise<readonly string[]> {
    const outcome = await startChatServer({ CHAT_PORT: '0', DATA_DIR: freshDataDir(), ...env }).catch(
      (caught: unknown) => caught,
    );
    if (outcome instanceof ConfigError) return outcome.problems;
    if (outcome instanceof Error) throw outcome;
    await (outcome as { close(): Promise<void> }).close();
    throw new Error('the chat server started');
  }

  it.each(['true', 'TRUE', 'True', '1', 'yes', 'YES', ' yes '])(
    'needs AUTH_JWT_SECRET in a cluster when AUTH_DEV_TOKENS=%j, even with a public key',
    async (on) => {
      const problems = await refusalOf({
        DEPLOYMENT_MODE: 'cluster',
        AUTH_DEV_TOKENS: on,
        AUTH_JWT_PUBLIC_KEY: publicKey,
      });
      expect(problems).toContainEqual(
        expect.stringMatching(/^AUTH_JWT_SECRET is required when AUTH_DEV_TOKENS=true \(dev tokens/),
      );
    },
  );

  it.each(['false', 'FALSE', '0', 'no'])(
    'needs no AUTH_JWT_SECRET in a cluster with a public key when AUTH_DEV_TOKENS=%j',
    async (off) => {
      const problems = await refusalOf({
        DEPLOYMENT_MODE: 'cluster',
        AUTH_DEV_TOKENS: off,
        AUTH_JWT_PUBLIC_KEY: publicKey,
      });
      expect(problems.filter((problem) => problem.includes('AUTH_'))).toEqual([]);
    },
  );

  it.each([
    [
      { CHAT_ROOM_PAGE_DEFAULT: '150' },
      'CHAT_ROOM_PAGE_DEFAULT (150) must not exceed CHAT_ROOM_PAGE_MAX (100)',
    ],
    [
      { CHAT_ROOM_PAGE_DEFAULT: '50', CHAT_ROOM_PAGE_MAX: '40' },
      'CHAT_ROOM_PAGE_DEFAULT (50) must not exceed CHAT_ROOM_PAGE_MAX (40)',
    ],
    [
      { CHAT_HISTORY_PAGE_DEFAULT: '30' },
      'CHAT_HISTORY_PAGE_DEFAULT (30) must not exceed CHAT_HISTORY_PAGE_MAX (20)',
    ],
  ])('refuses a default page size over its maximum: %j', async (env, problem) => {
    expect(await refusalOf(env)).toEqual([problem]);
  });

  it('defaults to port 18000', async () => {
    expect(chatSettings.port.defaultValue).toBe('18000');
  });
});
