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
