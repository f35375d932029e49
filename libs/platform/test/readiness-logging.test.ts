import { Global, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectEventually,
  freePort,
  startRedisServer,
  type TestRedis,
} from '@playlist-chat/platform/testing';
import { HealthModule } from '../src/health/health.module';
import { RoomFanoutReadiness } from '../src/health/platform.readiness';
import { LoggingModule } from '../src/logging/logging.module';
import { useStructuredLogging } from '../src/logging/structured-logging';
import { RedisRoomFanout } from '../src/room-fanout/room-fanout.redis';
import { RoomFanout } from '../src/room-fanout/room-fanout.port';
import { captureLines, type LogLine } from './support/logging-app';

/**
 * What an operator reads while a dependency is down: discovery and load balancers probe
 * `/health/ready` every few seconds, so the log says when readiness changes, not once per probe,
 * and lines about the dependency itself belong to no probe. The app's room fan-out is a real
 * Redis client on a port where Redis is not running yet, then is.
 */
describe('readiness in the log, with a real Redis that comes late', () => {
  const { stream, lines } = captureLines();
  let app: INestApplication;
  let url: string;
  let redisPort: number;
  let redis: TestRedis | undefined;
  let fanout: RedisRoomFanout;

  beforeAll(async () => {
    redisPort = await freePort();
    fanout = new RedisRoomFanout(`redis://127.0.0.1:${redisPort}`);

    @Global()
    @Module({ providers: [{ provide: RoomFanout, useValue: fanout }], exports: [RoomFanout] })
    class FanoutModule {}

    @Module({
      imports: [
        LoggingModule.forRoot({
          service: 'chat-server',
          settings: { logLevel: 'info', instanceId: 'test-1' },
          destination: stream,
        }),
        FanoutModule,
        HealthModule.forRoot({ readiness: [RoomFanoutReadiness] }),
      ],
    })
    class AppModule {}

    app = await NestFactory.create(AppModule, { bufferLogs: true });
    useStructuredLogging(app);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await fanout?.close();
    await redis?.stop();
  });

  const probe = (id: string) =>
    fetch(`${url}/health/ready`, { headers: { 'x-request-id': id } }).then((response) => response.status);
  const readinessLines = () => lines.filter((line) => line.context === 'Readiness');
  const fromHealthChecks = (line: LogLine) => String(line.msg).includes('Health Check');

  it('says once that it is not ready, why, at warn, however often it is probed', async () => {
    for (let i = 0; i < 6; i++) expect(await probe(`probe-down-${i}`)).toBe(503);

    await expectEventually(() => expect(readinessLines()).toHaveLength(1));
    const [line] = readinessLines();
    expect(line.level).toBe(40);
    expect(line.msg).toMatch(/^not ready: room-fanout: .+/);
    // No line at error for a dependency being down, and none of Terminus's own per probe.
    expect(lines.filter((candidate) => (candidate.level as number) >= 50)).toEqual([]);
    expect(lines.filter(fromHealthChecks)).toEqual([]);
  });

  it('says once that it is ready again when the dependency is back', async () => {
    redis = await startRedisServer({ port: redisPort });
    await expectEventually(async () => expect(await probe('probe-up')).toBe(200), { timeoutMs: 20_000 });
    for (let i = 0; i < 3; i++) expect(await probe(`probe-up-${i}`)).toBe(200);

    await expectEventually(() => expect(readinessLines()).toHaveLength(2));
    expect(readinessLines()[1]).toMatchObject({
      level: 30,
      msg: 'ready again: every readiness check passes',
    });
  }, 30_000);

  it("writes readiness changes and the Redis client's own lines under no probe's request", async () => {
    // The client first connected during the first probe: its reconnect warnings carried that
    // probe's `req` for as long as the process lived.
    await redis!.stop();
    redis = undefined;
    await expectEventually(async () => expect(await probe('probe-down-again')).toBe(503), {
      timeoutMs: 20_000,
    });
    await expectEventually(() =>
      expect(lines.filter((line) => line.context === 'RedisRoomFanout').length).toBeGreaterThan(0),
    );
    const unrelated = lines.filter(
      (line) => (line.context === 'RedisRoomFanout' || line.context === 'Readiness') && line.req,
    );
    expect(unrelated).toEqual([]);
    expect(readinessLines().map((line) => line.level)).toEqual([40, 30, 40]);
  }, 30_000);
});
