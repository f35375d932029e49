import { Writable } from 'node:stream';
import { Controller, Get, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { LoggingModule } from '../src/logging/logging.module';
import { useStructuredLogging } from '../src/logging/structured-logging';

// A file of its own: nestjs-pino's root logger is per process, and this one names the process.
type Line = Record<string, unknown> & { req?: { id?: string } };
const lines: Line[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
    done();
  },
});

async function startApp(service: string): Promise<{ app: INestApplication; url: string }> {
  @Controller('hello')
  class HelloController implements OnApplicationBootstrap {
    private readonly logger = new Logger('HelloController');

    onApplicationBootstrap(): void {
      this.logger.log(`${service} booted`);
    }

    @Get()
    hello(): { service: string } {
      this.logger.log(`hello from ${service}`);
      return { service };
    }
  }

  @Module({
    imports: [
      LoggingModule.forRoot({
        service,
        settings: { logLevel: 'info', instanceId: 'test-2', logProcessName: 'playlist-chat' },
        destination: capture,
      }),
    ],
    controllers: [HelloController],
  })
  class AppModule {}

  const app = await NestFactory.create(AppModule, { bufferLogs: true });
  useStructuredLogging(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

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
