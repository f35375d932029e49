import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { captureLines, startLoggingApp } from './support/logging-app';

// A file of its own: nestjs-pino's root logger is per process, and this one names the process.
const { stream: capture, lines } = captureLines();
const startApp = (service: string) =>
  startLoggingApp(
    service,
    { logLevel: 'info', instanceId: 'test-2', logProcessName: 'playlist-chat' },
    capture,
  );

describe('LoggingModule with LOG_PROCESS_NAME (several apps in one process)', () => {
  const apps: { app: INestApplication; url: string }[] = [];
  beforeAll(async () => {
    apps.push(await startApp('presence-server'), await startApp('chat-server'));
  });
  afterAll(async () => {
    for (const { app } of apps) await app.close();
  });

  it('names the process on lines outside a request, and the app on request lines', async () => {
    await fetch(`${apps[1].url}/hello`, { headers: { 'x-request-id': 'chat-1' } });

    const booted = await expectEventually(
      () => lines.find((line) => line.msg === 'chat-server booted') ?? false,
    );
    expect(booted).toMatchObject({ service: 'playlist-chat', instance: 'playlist-chat-test-2' });
    const hello = await expectEventually(
      () => lines.find((line) => line.msg === 'hello from chat-server') ?? false,
    );
    expect(hello).toMatchObject({ service: 'chat-server', req: { id: 'chat-1' } });
  });
});
