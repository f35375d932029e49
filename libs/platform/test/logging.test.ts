import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { captureLines, startLoggingApp } from './support/logging-app';

const { stream: capture, lines } = captureLines();
const startApp = (service: string) =>
  startLoggingApp(service, { logLevel: 'info', instanceId: 'test-1' }, capture);

describe('LoggingModule', () => {
  let chat: { app: INestApplication; url: string };
  let presence: { app: INestApplication; url: string };

  beforeAll(async () => {
    chat = await startApp('chat-server');
    presence = await startApp('presence-server');
  });

  afterAll(async () => {
    await chat?.app.close();
    await presence?.app.close();
  });

  it('writes JSON lines naming the service and instance, with the caller’s request id', async () => {
    const response = await fetch(`${chat.url}/hello`, { headers: { 'x-request-id': 'trace-42' } });

    expect(response.headers.get('x-request-id')).toBe('trace-42');
    const line = await expectEventually(
      () => lines.find((candidate) => candidate.msg === 'hello from chat-server') ?? false,
    );
    expect(line).toMatchObject({
      service: 'chat-server',
      instance: 'chat-server-test-1',
      level: 30,
      context: 'HelloController',
      req: { id: 'trace-42' },
    });
    expect(typeof line.time).toBe('string');
    await expectEventually(() =>
      expect(
        lines.find((candidate) => candidate.msg === 'request completed' && candidate.req?.id === 'trace-42'),
      ).toMatchObject({
        service: 'chat-server',
      }),
    );
  });

  it("writes the answer's status on a request line, not its headers (security headers are ~1.3 KB a line)", async () => {
    await fetch(`${chat.url}/hello`, { headers: { 'x-request-id': 'status-only' } });

    const line = await expectEventually(
      () =>
        lines.find(
          (candidate) => candidate.msg === 'request completed' && candidate.req?.id === 'status-only',
        ) ?? false,
    );
    expect(line.res).toEqual({ statusCode: 200 });
  });

  it('writes no request line for health probes and metrics scrapes (polled every few seconds)', async () => {
    for (const path of ['/health/ready', '/metrics', '/metrics?name[]=x'])
      await fetch(`${chat.url}${path}`, { headers: { 'x-request-id': 'polled-1' } });
    await fetch(`${chat.url}/hello`, { headers: { 'x-request-id': 'after-polls' } });

    // Lines are written in order: once the later request's line is there, a scrape's would be too.
    await expectEventually(() =>
      expect(lines.some((line) => line.msg === 'request completed' && line.req?.id === 'after-polls')).toBe(
        true,
      ),
    );
    expect(lines.filter((line) => line.req?.id === 'polled-1')).toEqual([]);
  });

  it('never writes a token from the URL, the Authorization header or a passcode header', async () => {
    await fetch(`${chat.url}/hello?access_token=url-secret-1&room=a`, {
      headers: {
        authorization: 'Bearer header-secret-2',
        passcode: 'passcode-secret-3',
        'x-request-id': 'redact-1',
      },
    });
    const line = await expectEventually(
      () =>
        lines.find(
          (candidate) => candidate.msg === 'request completed' && candidate.req?.id === 'redact-1',
        ) ?? false,
    );
    const text = JSON.stringify(lines);
    for (const secret of ['url-secret-1', 'header-secret-2', 'passcode-secret-3'])
      expect(text).not.toContain(secret);
    expect(line.req?.url).toBe('/hello?access_token=[Redacted]&room=a');
    expect(line.req).toEqual({
      id: 'redact-1',
      method: 'GET',
      url: '/hello?access_token=[Redacted]&room=a',
      remoteAddress: expect.any(String),
    });
  });

  /** A bearer JWT's shape (three base64url segments, the first `eyJ`), unique by `marker`. */
  const jwt = (marker: string) => `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEifQ.sig_${marker}`;

  // Each row: the path and query as sent, and the request line's `req.url`. Every value that
  // carries `leak` must be gone from every line written.
  it.each([
    [
      'encoded name',
      `/hello?access%5Ftoken=${jwt('leak-a')}&room=a`,
      '/hello?access%5Ftoken=[Redacted]&room=a',
    ],
    [
      'array name',
      `/hello?access_token[]=${jwt('leak-b')}&room=a`,
      '/hello?access_token[]=[Redacted]&room=a',
    ],
    [
      'indexed name',
      '/hello?Access_Token%5B0%5D=leak-c&room=a',
      '/hello?Access_Token%5B0%5D=[Redacted]&room=a',
    ],
    ['; separator', `/hello?room=a;access_token=${jwt('leak-d')}`, '/hello?room=a;access_token=[Redacted]'],
    ['jwt', `/hello?jwt=${jwt('leak-e')}&room=a`, '/hello?jwt=[Redacted]&room=a'],
    ['auth', '/hello?room=a&auth=leak-f', '/hello?room=a&auth=[Redacted]'],
    [
      'authorization',
      `/hello?authorization=Bearer%20${jwt('leak-g')}&room=a`,
      '/hello?authorization=[Redacted]&room=a',
    ],
    ['id_token', '/hello?ID_TOKEN=leak-h', '/hello?ID_TOKEN=[Redacted]'],
    [
      'refresh_token',
      '/hello?refresh_token=leak-i&token=leak-j',
      '/hello?refresh_token=[Redacted]&token=[Redacted]',
    ],
    ['JWT under any name', `/hello?state=${jwt('leak-k')}&room=a`, '/hello?state=[Redacted]&room=a'],
    [
      'encoded JWT under any name',
      `/hello?x=Bearer+${jwt('leak-l').replace(/\./g, '%2E')}`,
      '/hello?x=[Redacted]',
    ],
    ['name-less JWT', `/hello?${jwt('leak-m')}&room=a`, '/hello?[Redacted]&room=a'],
    ['path parameter', `/hello;access_token=${jwt('leak-n')}`, '/hello;access_token=[Redacted]'],
    ['a second ?', '/hello?room=a?access_token=leak-o', '/hello?room=a?access_token=[Redacted]'],
    [
      'any case, repeated, passcode, password',
      '/hello?ACCESS_TOKEN=leak-p&access_token=leak-q&passcode=leak-r&Password=leak-s&room=a',
      '/hello?ACCESS_TOKEN=[Redacted]&access_token=[Redacted]&passcode=[Redacted]&Password=[Redacted]&room=a',
    ],
    [
      'other parameters as sent',
      '/hello?room=a%20b&tokens=2&author=me&page[]=1&empty=&flag&eyJ=1',
      '/hello?room=a%20b&tokens=2&author=me&page[]=1&empty=&flag&eyJ=1',
    ],
  ])('redacts credentials in the URL: %s', async (name, path, logged) => {
    const id = `redact-url-${name.replace(/\W+/g, '-')}`;
    await fetch(`${chat.url}${path}`, { headers: { 'x-request-id': id } });
    const line = await expectEventually(
      () =>
        lines.find((candidate) => candidate.msg === 'request completed' && candidate.req?.id === id) ?? false,
    );
    expect(line.req?.url).toBe(logged);
    expect(JSON.stringify(lines.filter((candidate) => candidate.req?.id === id))).not.toMatch(/leak-/);
  });

  it('logs an unexpected error with its stack and the request id, and the request line as errored', async () => {
    const response = await fetch(`${chat.url}/hello/boom`, { headers: { 'x-request-id': 'boom-1' } });

    expect(response.status).toBe(500);
    const errorLine = await expectEventually(
      () => lines.find((candidate) => candidate.level === 50 && candidate.req?.id === 'boom-1') ?? false,
    );
    expect(JSON.stringify(errorLine)).toContain('kaboom in chat-server');
    expect(JSON.stringify(errorLine)).toContain('logging-app');
    await expectEventually(() =>
      expect(
        lines.find((candidate) => candidate.msg === 'request errored' && candidate.req?.id === 'boom-1'),
      ).toMatchObject({ service: 'chat-server', res: { statusCode: 500 } }),
    );
  });

  it('makes up a request id when the caller gives none, or one that is not a plain token', async () => {
    const forged = await fetch(`${chat.url}/hello`, { headers: { 'x-request-id': 'bad id", "level": 60' } });
    const missing = await fetch(`${chat.url}/hello`);

    const ids = [forged.headers.get('x-request-id'), missing.headers.get('x-request-id')];
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(ids[0]).not.toBe(ids[1]);
    await expectEventually(() =>
      expect(ids.every((id) => lines.some((candidate) => candidate.req?.id === id))).toBe(true),
    );
  });

  it('names the right app on request lines when several apps share the process (single node)', async () => {
    await fetch(`${presence.url}/hello`, { headers: { 'x-request-id': 'presence-1' } });

    const line = await expectEventually(
      () => lines.find((candidate) => candidate.msg === 'hello from presence-server') ?? false,
    );
    expect(line).toMatchObject({
      service: 'presence-server',
      instance: 'presence-server-test-1',
      req: { id: 'presence-1' },
    });
  });
});

describe('LoggingModule with the REST conventions (the apps as they run)', () => {
  // The same capture as above: apps of one process share its root logger (single node).
  const written = lines;
  let app: { app: INestApplication; url: string };

  beforeAll(async () => {
    app = await startLoggingApp('chat-server', { logLevel: 'info', instanceId: 'test-2' }, capture, {
      restConventions: true,
    });
  });
  afterAll(async () => {
    await app?.app.close();
  });

  it('logs an unexpected error with the URL it failed on, the token in it redacted', async () => {
    const secret = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.filter-secret-sig';
    const response = await fetch(`${app.url}/hello/boom?access_token=${secret}&room=a`, {
      headers: { 'x-request-id': 'boom-2' },
    });
    expect(response.status).toBe(500);
    const errorLine = await expectEventually(
      () =>
        written.find(
          (candidate) => candidate.level === 50 && String(candidate.msg).startsWith('GET /hello/boom?'),
        ) ?? false,
    );
    expect(JSON.stringify(errorLine)).toContain('/hello/boom?access_token=[Redacted]&room=a');
    await expectEventually(() =>
      expect(written.some((line) => line.msg === 'request errored' && line.req?.id === 'boom-2')).toBe(true),
    );
    expect(written.filter((line) => JSON.stringify(line).includes('filter-secret'))).toEqual([]);
  });
});
