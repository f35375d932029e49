import { Agent, get, type Server } from 'node:http';
import { Controller, Get, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, serveAndRegister, ServiceRegistry, type RunningService } from '@playlist-chat/platform';
import { InMemoryServiceRegistry } from '@playlist-chat/platform/adapters';
import { expectEventually } from '@playlist-chat/platform/testing';

@Controller('health')
class ReadyController {
  @Get('ready')
  ready(): { status: string } {
    return { status: 'ok' };
  }

  /** A readiness check that takes its time, as one does while a dependency is down. */
  @Get('slow')
  async slow(): Promise<{ status: string }> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { status: 'ok' };
  }
}

/** An app with a readiness route and, like the real apps, its registry as a provider. */
@Module({})
class TinyAppModule {
  static with(registry: ServiceRegistry): DynamicModule {
    return {
      module: TinyAppModule,
      controllers: [ReadyController],
      providers: [{ provide: ServiceRegistry, useValue: registry }],
    };
  }
}

const platform = { instanceId: 'unit', advertiseHost: '127.0.0.1' };
const settings = { host: 'TINY_HOST', port: 'TINY_PORT' };

describe('serveAndRegister', () => {
  const registries: InMemoryServiceRegistry[] = [];
  const services: RunningService[] = [];

  const tinyApp = async (): Promise<{ app: INestApplication; registry: InMemoryServiceRegistry }> => {
    const registry = new InMemoryServiceRegistry();
    registries.push(registry);
    return { app: await NestFactory.create(TinyAppModule.with(registry), { logger: false }), registry };
  };

  afterEach(async () => {
    for (const service of services.splice(0)) await service.close();
    for (const registry of registries.splice(0)) await registry.close();
  });

  it('listens, registers <instance>-<port> with its readiness URL, and returns where it serves', async () => {
    const { app, registry } = await tinyApp();

    const service = await serveAndRegister(app, {
      service: 'tiny',
      port: 0,
      host: '127.0.0.1',
      settings,
      platform,
    });
    services.push(service);

    expect(service.name).toBe('tiny');
    expect(service.port).toBeGreaterThan(0);
    expect(service.url).toBe(`http://127.0.0.1:${service.port}`);
    expect(await registry.healthy('tiny')).toEqual([
      { id: `tiny-unit-${service.port}`, service: 'tiny', host: '127.0.0.1', port: service.port },
    ]);
    const ready = await fetch(`${service.url}/health/ready`);
    expect(await ready.json()).toEqual({ status: 'ok' });
  });

  it('gives a wildcard listener a local URL and registers the advertised host', async () => {
    const { app, registry } = await tinyApp();

    const service = await serveAndRegister(app, {
      service: 'tiny',
      port: 0,
      host: '0.0.0.0',
      settings,
      platform: { instanceId: '', advertiseHost: 'localhost' },
    });
    services.push(service);

    expect(service.url).toBe(`http://127.0.0.1:${service.port}`);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    const [instance] = await registry.healthy('tiny');
    expect(instance).toMatchObject({ host: 'localhost', port: service.port });
    expect(instance.id).toMatch(new RegExp(`^tiny-.+-${process.pid}-${service.port}$`));
  });

  it('stops within a bound while a keep-alive client keeps its connection busy (a health checker)', async () => {
    const { app } = await tinyApp();
    const service = await serveAndRegister(app, {
      service: 'tiny',
      port: 0,
      host: '127.0.0.1',
      settings,
      platform,
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let polling = true;
    const poller = (async () => {
      while (polling)
        await new Promise<void>((resolve) =>
          get(`${service.url}/health/slow`, { agent }, (response) => {
            response.resume();
            response.on('end', () => resolve());
          }).on('error', () => resolve()),
        );
    })();
    await new Promise((resolve) => setTimeout(resolve, 400));

    const started = Date.now();
    const closed = await Promise.race([
      service.close().then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 8_000)),
    ]);
    polling = false;
    agent.destroy();
    await poller;
    expect(closed, 'close() still waiting after 8 s').toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('joins the registry it is given instead of the app’s own', async () => {
    const { app, registry: own } = await tinyApp();
    const given = new InMemoryServiceRegistry();
    registries.push(given);

    const service = await serveAndRegister(app, {
      service: 'tiny',
      port: 0,
      host: '127.0.0.1',
      settings,
      platform,
      registry: given,
    });
    services.push(service);

    expect(await given.healthy('tiny')).toHaveLength(1);
    expect(await own.healthy('tiny')).toEqual([]);
  });

  it('on close leaves discovery first, then runs the drain, closes the app, then releases; once', async () => {
    const { app, registry } = await tinyApp();
    const seen: string[] = [];
    const service = await serveAndRegister(app, {
      service: 'tiny',
      port: 0,
      host: '127.0.0.1',
      settings,
      platform,
      beforeAppClose: async () => {
        const listed = await registry.healthy('tiny');
        const serving = (await fetch(`${service.url}/health/ready`)).status;
        seen.push(`drain: listed ${listed.length}, serving ${serving}`);
      },
      afterAppClose: async () => {
        const serving = await fetch(`${service.url}/health/ready`).then(
          () => true,
          () => false,
        );
        seen.push(`release: serving ${serving}`);
      },
    });

    const first = service.close();
    const second = service.close();
    await Promise.all([first, second]);
    await service.close();

    expect(second).toBe(first);
    expect(seen).toEqual(['drain: listed 0, serving 200', 'release: serving false']);
    expect(await registry.healthy('tiny')).toEqual([]);
  });

  it('has discovery poll its readiness at the interval given', async () => {
    const { app, registry } = await tinyApp();
    const service = await serveAndRegister(app, {
      service: 'tiny',
      port: 0,
      host: '127.0.0.1',
      settings,
      platform,
      healthCheckIntervalMs: 20,
    });
    services.push(service);
    expect(await registry.healthy('tiny')).toHaveLength(1);

    // Stop answering without leaving discovery: only the registry's own checks can notice.
    const server = app.getHttpServer() as Server;
    server.close();
    server.closeAllConnections();

    await expectEventually(async () => expect(await registry.healthy('tiny')).toEqual([]));
  });

  it('names the setting to change when it cannot listen: a port in use, a host that does not resolve', async () => {
    const taken = await tinyApp();
    const holder = await serveAndRegister(taken.app, {
      service: 'tiny',
      port: 0,
      host: '127.0.0.1',
      settings,
      platform,
    });
    services.push(holder);

    const inUse = await tinyApp();
    await expect(
      serveAndRegister(inUse.app, {
        service: 'tiny',
        port: holder.port,
        host: '127.0.0.1',
        settings,
        platform,
      }),
    ).rejects.toThrow(new ConfigError([`TINY_PORT: 127.0.0.1:${holder.port} is in use by another process`]));
    await inUse.app.close();

    const unresolvable = await tinyApp();
    await expect(
      serveAndRegister(unresolvable.app, {
        service: 'tiny',
        port: 0,
        host: 'nowhere.invalid',
        settings,
        platform,
      }),
    ).rejects.toThrow(
      new ConfigError(['TINY_HOST: "nowhere.invalid" does not resolve to an address of this machine']),
    );
    await unresolvable.app.close();
    expect(await unresolvable.registry.healthy('tiny')).toEqual([]);
  });
});
