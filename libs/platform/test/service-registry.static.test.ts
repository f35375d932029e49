import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { serviceRegistryContract } from './service-registry.contract';
import { parseStaticServices, StaticServiceRegistry } from '../src/service-registry/service-registry.static';

serviceRegistryContract('static list', async () => new StaticServiceRegistry(new Map()), {
  healthCheckIntervalMs: 50,
});

async function server(status: number): Promise<{ url: string; close: () => Promise<void> }> {
  const http: Server = createServer((_request, response) => response.writeHead(status).end());
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
}

describe('StaticServiceRegistry', () => {
  it('resolves the listed instances that answer /health/ready, and not the others', async () => {
    const up = await server(200);
    const down = await server(503);
    const services = parseStaticServices(`chat-server=${up.url},${down.url};presence-server=${up.url}`);
    if (typeof services === 'string') throw new Error(services);
    const registry = new StaticServiceRegistry(services, 50);
    try {
      await expectEventually(async () =>
        expect((await registry.healthy('chat-server')).map((i) => `http://${i.host}:${i.port}`)).toEqual([
          up.url,
        ]),
      );
      expect(await registry.healthy('presence-server')).toHaveLength(1);
    } finally {
      await registry.close();
      await up.close();
      await down.close();
    }
  });

  it('says what is wrong with a malformed STATIC_SERVICES', () => {
    expect(parseStaticServices('chat-server')).toBe('"chat-server" is not service=url,url');
    expect(parseStaticServices('chat-server=not-a-url')).toBe('"not-a-url" is not a URL');
    expect(parseStaticServices('chat-server=https://x:1')).toBe('"https://x:1" must be http://host:port');
    expect(parseStaticServices('')).toEqual(new Map());
  });
});
