import { Writable } from 'node:stream';
import { Controller, Get, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { LoggingModule, type LoggingOptions } from '../../src/logging/logging.module';
import { useStructuredLogging } from '../../src/logging/structured-logging';
import { useRestConventions } from '../../src/http/rest-conventions';
import { UncheckedInput } from '../../src/http/declared-input.guard';

export type LogLine = Record<string, unknown> & { req?: { id?: string; url?: string } };

/** A stream that parses every JSON line written to it into `lines`. */
export function captureLines(): { stream: Writable; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { stream, lines };
}

/**
 * A tiny Nest app with structured logging: it logs `<service> booted` at start (outside any
 * request) and `hello from <service>` on `GET /hello`; `GET /hello/boom` throws.
 */
export async function startLoggingApp(
  service: string,
  settings: LoggingOptions['settings'],
  destination: Writable,
  /** With the platform's REST conventions (its exception filter logs unexpected errors), as every app has them. */
  options: { restConventions?: boolean } = {},
): Promise<{ app: INestApplication; url: string }> {
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

    /** An unexpected error: Nest answers 500. Any query is taken (so a token in it reaches the error log). */
    @Get('boom')
    @UncheckedInput()
    boom(): never {
      throw new Error(`kaboom in ${service}`);
    }
  }

  @Module({
    imports: [LoggingModule.forRoot({ service, settings, destination })],
    controllers: [HelloController],
  })
  class AppModule {}

  const app = await NestFactory.create(AppModule, { bufferLogs: true });
  useStructuredLogging(app);
  if (options.restConventions) useRestConventions(app, { jsonBodies: true });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}
