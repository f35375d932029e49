import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthModule } from '../src/health/health.module';
import { ReadinessIndicator } from '../src/health/readiness-indicator';

/** What the indicators look at: a stand-in for a store that can break or hang. */
@Injectable()
class FakeDependency {
  state: 'up' | 'down' | 'hanging' = 'up';
}

@Module({ providers: [FakeDependency], exports: [FakeDependency] })
class DependencyModule {}

@Injectable()
class StoreReadiness extends ReadinessIndicator {
  readonly name = 'store';

  constructor(private readonly dependency: FakeDependency) {
    super();
  }

  async check(signal: AbortSignal): Promise<void> {
    if (this.dependency.state === 'down') throw new Error('disk gone');
    if (this.dependency.state === 'hanging')
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
  }
}

@Injectable()
class BusReadiness extends ReadinessIndicator {
  readonly name = 'event-bus';

  async check(): Promise<void> {}
}

@Module({
  imports: [
    HealthModule.forRoot({
      readiness: [StoreReadiness, BusReadiness],
      imports: [DependencyModule],
      timeoutMs: 200,
    }),
  ],
})
class AppModule {}

describe('HealthModule', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await NestFactory.create(AppModule, { logger: false });
    app.setGlobalPrefix('v1/api', { exclude: ['health/{*path}'] });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
  });

  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('answers liveness while the process runs, outside the global prefix', async () => {
    expect(await get('/health/live')).toEqual({
      status: 200,
      body: expect.objectContaining({ status: 'ok' }),
    });
  });

  it('is ready when every indicator passes, naming each', async () => {
    app.get(FakeDependency).state = 'up';

    const { status, body } = await get('/health/ready');

    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      info: { store: { status: 'up' }, 'event-bus': { status: 'up' } },
    });
  });

  it('is not ready (503) when an indicator fails, with its reason, while liveness holds', async () => {
    app.get(FakeDependency).state = 'down';

    const { status, body } = await get('/health/ready');

    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: 'error',
      error: { store: { status: 'down', message: 'disk gone' } },
      info: { 'event-bus': { status: 'up' } },
    });
    expect((await get('/health/live')).status).toBe(200);
  });

  it('counts a check that does not answer in time as down', async () => {
    app.get(FakeDependency).state = 'hanging';

    const { status, body } = await get('/health/ready');

    expect(status).toBe(503);
    expect(body).toMatchObject({
      error: { store: { status: 'down', message: 'timeout of 200ms exceeded' } },
    });
  });
});
