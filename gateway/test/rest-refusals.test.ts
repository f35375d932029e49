import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import { expectEventually } from '@playlist-chat/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { singleNodeEnv, startWholeProduct, type WholeProduct } from './support/whole-product';

/**
 * Every refusal of the real product (presence server, chat server and gateway in one process, as
 * `npm start` runs them) has the documented body `{ statusCode, error, code, message, errors? }`
 * (docs/api.md, "Errors"), whoever answers it: a route, a guard, the body parser, Express's
 * router, Nest's "not found", or Node's HTTP parser.
 */
describe('REST refusals of the real apps, through the gateway and directly', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rest-refusals-'));
  let product: WholeProduct | undefined;
  let gateway: string;
  let chat: string;
  let presence: string;
  let token: string;
  let roomId: string;

  const createBody = (playlistId: string) => ({
    uid: 'u1',
    userName: 'U1',
    playlist: {
      id: playlistId,
      name: 'Late night jazz',
      musics: [
        { title: 'So What', artist: 'Miles Davis', playtime: '9:22', thumbnail: 'https://example.com/a.jpg' },
      ],
    },
  });

  interface Answer {
    readonly status: number;
    readonly headers: Headers;
    readonly body: Record<string, unknown> | undefined;
  }

  async function call(
    base: string,
    method: string,
    path: string,
    {
      body,
      headers = {},
      auth = true,
    }: { body?: string | Buffer; headers?: Record<string, string>; auth?: boolean } = {},
  ): Promise<Answer> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  /**
   * node:http, for what fetch will not send (a GET with a body, an oversized request line); with
   * `agent`, on its connections (`reused`: this request went on one that carried another before).
   */
  const raw = (
    base: string,
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
    agent?: Agent,
  ): Promise<{ status: number; type: string | undefined; body: string; reused: boolean }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: new URL(base).port, method, path, headers, agent },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              type: res.headers['content-type'],
              body: text,
              reused: req.reusedSocket,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const json = (value: unknown) => ({
    body: JSON.stringify(value),
    headers: { 'content-type': 'application/json' },
  });

  const joinedRooms = async (): Promise<string[]> => {
    const answer = await call(gateway, 'GET', '/v1/api/rooms/joined');
    expect(answer.status).toBe(200);
    return (answer.body as unknown as { id: string }[]).map((room) => room.id);
  };

  beforeAll(async () => {
    product = await startWholeProduct(singleNodeEnv(dataDir));
    ({ gateway, 'chat-server': chat, 'presence-server': presence } = product.urls);

    token = await expectEventually(async () => {
      const answer = await call(gateway, 'POST', '/v1/api/auth/dev-token', {
        ...json({ uid: 'u1', nickName: 'U1' }),
        auth: false,
      });
      expect(answer.status).toBe(200);
      return answer.body!.accessToken as string;
    });
    const created = await call(gateway, 'POST', '/v1/api/rooms/create', json(createBody('pl-1')));
    expect(created.status).toBe(201);
    roomId = created.body!.id as string;
    await expectEventually(async () =>
      expect((await call(gateway, 'GET', `/api/v1/presence/${roomId}/on`)).status).toBe(200),
    );
  });

  afterAll(async () => {
    await product?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a missing token with code unauthorized on the chat and presence servers', async () => {
    const expected = {
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', code: 'unauthorized', message: 'missing access token' },
    };
    for (const [base, path] of [
      [gateway, '/v1/api/rooms/joined'],
      [chat, '/v1/api/rooms/joined'],
      [gateway, `/api/v1/presence/${roomId}/on`],
      [presence, `/api/v1/presence/${roomId}/on`],
    ]) {
      const { status, body } = await call(base, 'GET', path, { auth: false });
      expect({ status, body }, `${base}${path}`).toEqual(expected);
    }
  });

  it('answers a body over the parser limit with 413 payload-too-large, on the chat server and the gateway', async () => {
    const big = createBody('pl-big');
    big.playlist.name = 'x'.repeat(200 * 1024);
    const overChat = await call(gateway, 'POST', '/v1/api/rooms/create', json(big));
    expect(overChat.status).toBe(413);
    expect(overChat.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      code: 'payload-too-large',
      message: expect.stringMatching(/larger than \d+ bytes/),
    });

    const overGateway = await call(gateway, 'POST', '/v1/api/rooms/create', {
      body: Buffer.alloc(1024 * 1024 + 1, 0x20),
      headers: { 'content-type': 'application/json' },
    });
    expect(overGateway.status).toBe(413);
    expect(overGateway.body).toMatchObject({ statusCode: 413, code: 'payload-too-large' });
  });

  it('answers an unsupported charset or encoding with 415, an undecodable body with 400 invalid-payload', async () => {
    const latin1 = await call(gateway, 'PUT', '/v1/api/rooms/leave', {
      body: JSON.stringify({ roomId }),
      headers: { 'content-type': 'application/json; charset=latin1' },
    });
    expect(latin1.status).toBe(415);
    expect(latin1.body).toMatchObject({
      statusCode: 415,
      error: 'Unsupported Media Type',
      code: 'unsupported-media-type',
    });

    const notGzip = await call(gateway, 'PUT', '/v1/api/rooms/leave', {
      body: JSON.stringify({ roomId }),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(notGzip.status).toBe(400);
    expect(notGzip.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      code: 'invalid-payload',
      errors: [{ field: 'body', reason: expect.any(String) }],
    });

    const brotliOnly = await call(gateway, 'PUT', '/v1/api/rooms/leave', {
      body: JSON.stringify({ roomId }),
      headers: { 'content-type': 'application/json', 'content-encoding': 'compress' },
    });
    expect(brotliOnly).toMatchObject({ status: 415, body: { code: 'unsupported-media-type' } });
  });

  it('refuses a body in UTF-16 or UTF-32 with 415 naming the charset, on every app, and changes nothing', async () => {
    const before = await joinedRooms();
    const text = JSON.stringify(createBody('pl-utf16'));
    const utf16 = Buffer.from(text, 'utf16le');
    const utf32 = Buffer.from([...text].flatMap((char) => [char.charCodeAt(0), 0, 0, 0]));
    for (const base of [gateway, chat])
      for (const [charset, body] of [
        ['utf-16', utf16],
        ['utf-16le', utf16],
        ['utf-32', utf32],
      ] as const) {
        const answer = await call(base, 'POST', '/v1/api/rooms/create', {
          body,
          headers: { 'content-type': `application/json; charset=${charset}` },
        });
        expect({ status: answer.status, body: answer.body }, `${base} ${charset}`).toEqual({
          status: 415,
          body: {
            statusCode: 415,
            error: 'Unsupported Media Type',
            code: 'unsupported-media-type',
            message: `a JSON body must be UTF-8 (charset utf-8), not ${charset}`,
          },
        });
      }
    expect(await joinedRooms()).toEqual(before);
    for (const base of [gateway, presence]) {
      const off = await call(base, 'PATCH', '/api/v1/presence/off', {
        body: Buffer.from(JSON.stringify({ roomId }), 'utf16le'),
        headers: { 'content-type': 'application/json; charset=utf-16le' },
      });
      expect(off, base).toMatchObject({ status: 415, body: { code: 'unsupported-media-type' } });
    }
    expect((await call(gateway, 'GET', `/api/v1/presence/${roomId}/me`)).body).toMatchObject({
      mayChat: true,
    });
  });

  it('takes a zstd-encoded body, as it does gzip, deflate and br', async () => {
    const answer = await call(gateway, 'POST', '/v1/api/rooms/create', {
      body: zstdCompressSync(JSON.stringify(createBody('pl-zstd'))),
      headers: { 'content-type': 'application/json', 'content-encoding': 'zstd' },
    });
    expect(answer.status).toBe(201);
    const exit = await call(gateway, 'POST', `/v1/api/rooms/exit/${answer.body!.id as string}`);
    expect(exit.status).toBeLessThan(300);
  });

  it('refuses a JSON body that is not valid UTF-8 with 400 naming body, where it was stored with U+FFFD', async () => {
    const text = JSON.stringify(createBody('pl-utf8')).replace('"userName":"', '"userName":"\u0001');
    const [before, after] = text.split('\u0001');
    const body = Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe]), Buffer.from(after)]);
    for (const base of [gateway, chat]) {
      const answer = await call(base, 'POST', '/v1/api/rooms/create', {
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(answer.status, base).toBe(400);
      expect(answer.body).toMatchObject({
        code: 'invalid-payload',
        errors: [{ field: 'body', reason: expect.stringContaining('UTF-8') }],
      });
    }
    const joined = await call(gateway, 'GET', '/v1/api/rooms/joined');
    expect((joined.body as unknown as { id: string }[]).map((room) => room.id)).toEqual([roomId]);
  });

  it('answers malformed JSON with 400 invalid-json', async () => {
    const answer = await call(gateway, 'PUT', '/v1/api/rooms/leave', {
      body: '{"roomId":',
      headers: { 'content-type': 'application/json' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'invalid-json' });
  });

  it('answers a malformed percent-encoding in the path with 400 invalid-payload naming the path', async () => {
    const answer = await call(gateway, 'GET', '/v1/api/rooms/%ZZ');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      code: 'invalid-payload',
      errors: [{ field: 'path', reason: expect.any(String) }],
    });
  });

  it('answers an unknown route with 404 not-found and a known path with another method with 405', async () => {
    for (const base of [gateway, chat]) {
      const unknown = await call(base, 'GET', '/v1/api/nowhere');
      expect(unknown.status, base).toBe(404);
      expect(unknown.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        code: 'not-found',
        message: 'no route GET /v1/api/nowhere',
      });

      const wrongMethod = await call(base, 'DELETE', '/v1/api/rooms/joined');
      expect(wrongMethod.status, base).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
      expect(wrongMethod.body).toEqual({
        statusCode: 405,
        error: 'Method Not Allowed',
        code: 'method-not-allowed',
        message: 'DELETE is not allowed on /v1/api/rooms/joined (allowed: GET, HEAD)',
      });
    }
    const presenceUnknown = await call(presence, 'GET', '/api/v1/presence');
    expect(presenceUnknown.body).toMatchObject({ statusCode: 404, code: 'not-found' });
    const gatewayOwn = await call(gateway, 'GET', '/no-such-page');
    expect(gatewayOwn.body).toMatchObject({ statusCode: 404, code: 'not-found' });
  });

  it('answers a wrong method on a literal path with 405 and its own Allow, though a parameter route matches it too', async () => {
    // GET /v1/api/rooms/:roomId matches /v1/api/rooms/create and /v1/api/rooms/leave as well.
    for (const base of [gateway, chat])
      for (const [method, path, allow] of [
        ['GET', '/v1/api/rooms/create', 'POST'],
        ['HEAD', '/v1/api/rooms/create', 'POST'],
        ['DELETE', '/v1/api/rooms/create', 'POST'],
        ['GET', '/v1/api/rooms/leave', 'PUT'],
      ]) {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status, `${base} ${method} ${path}`).toBe(405);
        expect(response.headers.get('allow'), `${base} ${method} ${path}`).toBe(allow);
        if (method !== 'HEAD')
          expect(await response.json()).toEqual({
            statusCode: 405,
            error: 'Method Not Allowed',
            code: 'method-not-allowed',
            message: `${method} is not allowed on ${path} (allowed: ${allow})`,
          });
      }
    expect((await call(gateway, 'GET', `/v1/api/rooms/${roomId}`)).status).toBe(200);
    expect((await call(gateway, 'GET', '/v1/api/rooms/joined')).status).toBe(200);
  });

  it('matches paths case-sensitively on every app, as the gateway forwards them', async () => {
    for (const base of [gateway, chat]) {
      const answer = await call(base, 'GET', `/V1/api/rooms/${roomId}`);
      expect(answer.status, base).toBe(404);
      expect(answer.body).toMatchObject({ code: 'not-found' });
    }
    const presenceUpper = await call(presence, 'GET', `/API/v1/presence/${roomId}/on`);
    expect(presenceUpper.status).toBe(404);
    // The gateway's own pages keep their paths.
    for (const path of ['/docs', '/docs-json', '/docs/asyncapi.yaml', '/health/live', '/metrics'])
      expect((await fetch(`${gateway}${path}`)).status, path).toBe(200);
  });

  it('answers a page size of many digits with the range it must be in', async () => {
    const rooms = await call(gateway, 'GET', '/v1/api/rooms/joined?size=99999999999999999999999');
    expect(rooms).toMatchObject({
      status: 400,
      body: {
        code: 'invalid-payload',
        errors: [{ field: 'size', reason: 'size must not be greater than 100' }],
      },
    });
    const history = await call(
      gateway,
      'GET',
      `/v1/api/chat/history?roomId=${roomId}&size=${'9'.repeat(400)}`,
    );
    expect(history).toMatchObject({
      status: 400,
      body: {
        code: 'invalid-payload',
        errors: [{ field: 'size', reason: 'size must not be greater than 20' }],
      },
    });
  });

  it("answers a query string over Node's header limit with 431 and a JSON body, on every app", async () => {
    for (const base of [gateway, chat, presence]) {
      const answer = await raw(base, 'GET', `/v1/api/rooms/joined?q=${'a'.repeat(20_000)}`);
      expect(answer.status, base).toBe(431);
      expect(answer.type).toContain('application/json');
      expect(JSON.parse(answer.body)).toEqual({
        statusCode: 431,
        error: 'Request Header Fields Too Large',
        code: 'headers-too-large',
        message: expect.stringContaining('16384 bytes'),
      });
    }
  });

  it('answers 431 with its JSON body on a kept-alive connection that carried an answer before, on every app', async () => {
    // Clients keep connections open: the oversized request is often not a connection's first.
    for (const base of [gateway, chat, presence]) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const send = (path: string) => raw(base, 'GET', path, undefined, {}, agent);
      try {
        expect((await send('/health/live')).status, base).toBe(200);
        const refused = await send(`/health/live?q=${'a'.repeat(20_000)}`);
        expect(refused.reused, `${base}: the second request went on the first one's connection`).toBe(true);
        expect(refused.status, base).toBe(431);
        expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 431, code: 'headers-too-large' });
      } finally {
        agent.destroy();
      }
    }
  });

  it('refuses a form-encoded body with 415 and changes nothing', async () => {
    const before = await joinedRooms();
    const form = await call(gateway, 'POST', '/v1/api/rooms/create', {
      body: 'uid=u1&userName=U1&playlist[id]=pl-form&playlist[name]=Form&playlist[musics][0][title]=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.body).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      code: 'unsupported-media-type',
      message:
        'a request body must be JSON (content-type application/json), not application/x-www-form-urlencoded',
    });

    const leave = await call(gateway, 'PUT', '/v1/api/rooms/leave', {
      body: `roomId=${roomId}&__proto__[x]=1`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(leave).toMatchObject({ status: 415, body: { code: 'unsupported-media-type' } });

    for (const headers of [{ 'content-type': 'text/plain' }, {} as Record<string, string>]) {
      const plain = await call(chat, 'PUT', '/v1/api/rooms/leave', {
        body: JSON.stringify({ roomId }),
        headers,
      });
      expect(plain.status).toBe(415);
    }
    const presencePlain = await call(presence, 'PATCH', '/api/v1/presence/off', {
      body: JSON.stringify({ roomId }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(presencePlain).toMatchObject({ status: 415, body: { code: 'unsupported-media-type' } });

    // application/json with parameters, and +json types, are JSON.
    const problemJson = await call(gateway, 'PUT', '/v1/api/rooms/leave', {
      body: JSON.stringify({ roomId }),
      headers: { 'content-type': 'application/merge-patch+json; charset=utf-8' },
    });
    expect(problemJson.status).toBe(200);
    expect(await joinedRooms()).toEqual(before);
  });

  it('refuses query fields and bodies on routes that take none, naming them, and changes nothing', async () => {
    const query = await call(gateway, 'GET', `/v1/api/rooms/${roomId}?foo=1&__proto__[x]=2`);
    expect(query.status).toBe(400);
    expect(query.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'invalid-payload',
      message: 'foo: property foo should not exist; __proto__[x]: property __proto__[x] should not exist',
      errors: [
        { field: 'foo', reason: 'property foo should not exist' },
        { field: '__proto__[x]', reason: 'property __proto__[x] should not exist' },
      ],
    });

    const exit = await call(gateway, 'POST', `/v1/api/rooms/exit/${roomId}`, json({ uid: 'someone' }));
    expect(exit.status).toBe(400);
    expect(exit.body).toMatchObject({
      code: 'invalid-payload',
      errors: [{ field: 'uid', reason: 'property uid should not exist' }],
    });
    const arrayBody = await call(gateway, 'POST', `/v1/api/rooms/exit/${roomId}`, json(['x']));
    expect(arrayBody.body).toMatchObject({
      code: 'invalid-payload',
      errors: [{ field: 'body', reason: 'this endpoint takes no body' }],
    });
    expect(await joinedRooms()).toContain(roomId);

    const presenceQuery = await call(presence, 'GET', `/api/v1/presence/${roomId}/on?verbose=1`);
    expect(presenceQuery.body).toMatchObject({ statusCode: 400, errors: [{ field: 'verbose' }] });

    // An empty query, an empty JSON object and no body at all are nothing to refuse.
    expect((await call(gateway, 'GET', `/v1/api/rooms/${roomId}?`)).status).toBe(200);
    const emptyObject = await raw(gateway, 'GET', `/v1/api/rooms/${roomId}`, '{}', {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': '2',
    });
    expect(emptyObject.status).toBe(200);
    // A route that takes a query DTO still refuses unknown fields through its DTO.
    const listQuery = await call(gateway, 'GET', '/v1/api/rooms/joined?size=5&foo=1');
    expect(listQuery.body).toMatchObject({ code: 'invalid-payload', errors: [{ field: 'foo' }] });
  });

  it('keeps health probes, metrics scrapes and docs working whatever their query', async () => {
    for (const base of [gateway, chat, presence]) {
      expect((await fetch(`${base}/health/live?probe=k8s`)).status, base).toBe(200);
      expect((await fetch(`${base}/metrics?name[]=up`)).status, base).toBe(200);
    }
    expect((await fetch(`${gateway}/docs?urls.primaryName=presence-server`)).status).toBe(200);
  });

  it('serves the OpenAPI JSON at /docs-json on the gateway, as docs/api.md says', async () => {
    const response = await fetch(`${gateway}/docs-json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toContain('/v1/api/rooms/create');
  });
});
