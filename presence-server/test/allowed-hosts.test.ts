import { request } from 'node:http';
import { loadSettings, type Env } from '@playlist-chat/platform';
import { afterEach, describe, expect, it } from 'vitest';
import { presenceSettings } from '../src/index';
import { startPresenceHarness, type PresenceHarness } from './support/presence-harness';

/** A request as a browser on a page at `host` sends it (fetch cannot set Host). */
function asHost(
  on: PresenceHarness,
  host: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: on.server.port, method, path, headers: { host, ...headers } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the presence server answers only the names in PRESENCE_ALLOWED_HOSTS', () => {
  const started: PresenceHarness[] = [];
  const presence = async (env: Env = {}) => {
    const harness = await startPresenceHarness(env);
    started.push(harness);
    return harness;
  };
  afterEach(async () => {
    for (const harness of started.splice(0)) await harness.close();
  });

  it('on loopback (single node), refuses a page on a rebinding domain with 421 unknown-host before any route', async () => {
    const server = await presence({ PRESENCE_INTERNAL_TOKEN: 'internal-secret-of-the-test' });
    const token = await server.tokenFor('alice');
    for (const [method, path, headers] of [
      ['GET', '/api/v1/presence/some-room/on', { authorization: `Bearer ${token}` }],
      ['PATCH', '/api/v1/presence/on', { authorization: `Bearer ${token}` }],
      [
        'GET',
        '/internal/v1/presence/some-room/members/alice',
        { 'x-internal-token': 'internal-secret-of-the-test' },
      ],
      ['GET', '/docs', {}],
      ['GET', '/metrics', {}],
      ['GET', '/health/../docs', {}],
    ] as const) {
      const refused = await asHost(server, 'attacker.example:18010', method, path, headers);
      expect(refused.status, `${method} ${path}`).toBe(421);
      const body = JSON.parse(refused.body) as Record<string, unknown>;
      expect(body).toMatchObject({ statusCode: 421, code: 'unknown-host' });
      expect(body.message).toContain('"attacker.example:18010"');
      expect(body.message).toContain('PRESENCE_ALLOWED_HOSTS');
    }
  });

  it('serves the loopback names on any port, and /health/* to any Host (registries probe by address)', async () => {
    const server = await presence();
    const token = await server.tokenFor('alice');
    for (const host of ['localhost:8080', `127.0.0.1:${server.server.port}`, '[::1]', 'LOCALHOST.']) {
      const answer = await asHost(server, host, 'GET', '/api/v1/presence/some-room/on', {
        authorization: `Bearer ${token}`,
      });
      expect(answer.status, host).not.toBe(421);
    }
    for (const path of ['/health/live', '/health/ready'])
      expect((await asHost(server, '10.0.3.7:18010', 'GET', path)).status, path).toBe(200);
  });

  it('answers only the names listed, or any Host with *', async () => {
    const listed = await presence({ PRESENCE_ALLOWED_HOSTS: 'presence.internal' });
    expect((await asHost(listed, 'presence.internal:18010', 'GET', '/docs')).status).toBe(200);
    expect((await asHost(listed, 'localhost', 'GET', '/docs')).status).toBe(421);

    const open = await presence({ PRESENCE_ALLOWED_HOSTS: '*' });
    expect((await asHost(open, 'attacker.example', 'GET', '/docs')).status).toBe(200);
  });

  it('answers any Host by default once it listens on every interface', async () => {
    const server = await presence({ PRESENCE_HOST: '0.0.0.0' });
    expect((await asHost(server, 'presence-server:18010', 'GET', '/docs')).status).toBe(200);
  });

  it('defaults to the loopback names exactly while PRESENCE_HOST (set or by default) is loopback', () => {
    const allowed = (env: Env) => loadSettings(presenceSettings, env).allowedHosts;
    const loopback = ['localhost', '127.0.0.1', '[::1]'];
    // Single node: 127.0.0.1 whether or not dev tokens are on.
    expect(allowed({})).toEqual(loopback);
    expect(allowed({ AUTH_DEV_TOKENS: 'false' })).toEqual(loopback);
    expect(allowed({ PRESENCE_HOST: '0.0.0.0' })).toEqual(['*']);
    // Cluster: every interface, unless dev tokens keep it on loopback.
    expect(allowed({ DEPLOYMENT_MODE: 'cluster' })).toEqual(['*']);
    expect(allowed({ DEPLOYMENT_MODE: 'cluster', AUTH_DEV_TOKENS: 'true' })).toEqual(loopback);
    expect(allowed({ DEPLOYMENT_MODE: 'cluster', PRESENCE_HOST: '127.0.0.1' })).toEqual(loopback);
    expect(() => allowed({ PRESENCE_ALLOWED_HOSTS: 'https://presence.example' })).toThrow(
      /PRESENCE_ALLOWED_HOSTS item "https:\/\/presence.example" must be \* or a host name/,
    );
  });
});
