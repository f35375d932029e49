import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectEventually } from '@playlist-chat/platform/testing';
import { gatewaysPerTest, startTestGateway } from './support/gateway';

const { gateway, backend } = gatewaysPerTest();

describe('/docs', () => {
  it('serves one Swagger UI that lists every service', async () => {
    const { url } = await gateway();

    const page = await fetch(`${url}/docs`);
    const initializer = await (await fetch(`${url}/docs/swagger-initializer.js`)).text();
    const bundle = await fetch(`${url}/docs/ui/swagger-ui-bundle.js`);

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/docs/ui/swagger-ui-bundle.js');
    expect(initializer).toContain('"url":"/docs/openapi/chat-server.json"');
    expect(initializer).toContain('"url":"/docs/openapi/presence-server.json"');
    expect(bundle.status).toBe(200);
  });

  it("serves each service's OpenAPI document from a healthy instance, pointed at the gateway", async () => {
    const docs = await gateway();
    await backend('chat-1', 'chat-server', docs);

    const chat = await expectEventually(async () => {
      const response = await fetch(`${docs.url}/docs/openapi/chat-server.json`);
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    });
    const presence = await fetch(`${docs.url}/docs/openapi/presence-server.json`);
    const unknown = await fetch(`${docs.url}/docs/openapi/billing.json`);

    expect(chat).toMatchObject({ info: { title: 'chat-1' }, servers: [{ url: '/' }] });
    // Only what the gateway routes: "Try it out" on an internal path would get the gateway's 404.
    expect(chat.paths).toEqual({ '/v1/api/chat-server': {} });
    expect(presence.status).toBe(503);
    expect(await presence.json()).toMatchObject({
      statusCode: 503,
      message: 'no healthy presence-server instance',
    });
    expect(unknown.status).toBe(404);
  });

  it('describes the STOMP API in AsyncAPI 3.0, as YAML and as a readable page', async () => {
    const { url } = await gateway();

    const yamlResponse = await fetch(`${url}/docs/asyncapi.yaml`);
    const document = parse(await yamlResponse.text()) as {
      asyncapi: string;
      channels: Record<string, { address: string }>;
      components: { messages: Record<string, unknown> };
    };
    const page = await fetch(`${url}/docs/asyncapi`);
    const html = await page.text();

    expect(yamlResponse.headers.get('content-type')).toContain('application/yaml');
    expect(document.asyncapi).toBe('3.0.0');
    const addresses = Object.values(document.channels).map((channel) => channel.address);
    expect(addresses).toEqual(
      expect.arrayContaining([
        '/chat/pub/join',
        '/chat/pub/send',
        '/chat/pub/typing',
        '/chat/pub/read',
        '/chat/topic/room/{roomId}',
        '/user/queue/events',
      ]),
    );
    expect(Object.keys(document.components.messages)).toEqual(
      expect.arrayContaining(['Enter', 'Talk', 'Exit', 'Typing', 'Read', 'Presence']),
    );
    expect(page.headers.get('content-type')).toContain('text/html');
    for (const text of [
      '/chat/topic/room/{roomId}',
      '/chat/pub/send',
      'clientMessageId',
      'last-message-id',
      'not-a-member',
      'content-too-long',
    ]) {
      expect(html).toContain(text);
    }
  });
});

describe('gateway health and pages', () => {
  it('is live; ready once each service it needs (GATEWAY_READINESS_SERVICES) has a healthy instance', async () => {
    const started = await gateway();

    const live = await fetch(`${started.url}/health/live`);
    const alone = await fetch(`${started.url}/health/ready`);
    expect(live.status).toBe(200);
    // A single node's default: it needs both, and has neither yet.
    expect(alone.status).toBe(503);
    expect(JSON.stringify(await alone.json())).toContain(
      'no healthy chat-server or presence-server instance',
    );

    await backend('chat-1', 'chat-server', started);
    await backend('presence-1', 'presence-server', started);

    const ready = await expectEventually(async () => {
      const response = await fetch(`${started.url}/health/ready`);
      expect(response.status).toBe(200);
      return response.json();
    });
    expect(ready).toMatchObject({
      status: 'ok',
      info: { registry: { status: 'up', 'chat-server': '1 healthy', 'presence-server': '1 healthy' } },
    });
  });

  it('is ready in a cluster while its registry answers, whatever instances it has', async () => {
    const started = await startTestGateway({ GATEWAY_READINESS_SERVICES: 'none' });
    try {
      const ready = await fetch(`${started.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        info: { registry: { status: 'up', 'chat-server': '0 healthy', 'presence-server': '0 healthy' } },
      });
    } finally {
      await started.stop();
    }
  });

  it('registers itself as gateway and deregisters on close', async () => {
    const started = await startTestGateway();
    const listed = await started.registry.healthy('gateway');
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ service: 'gateway', port: started.gateway.port });

    await started.gateway.close();

    expect(await started.registry.healthy('gateway')).toEqual([]);
    await started.registry.close();
  });

  it('serves the web client at / and the STOMP client library beside it', async () => {
    const { url } = await gateway();

    const index = await fetch(`${url}/`);
    const stomp = await fetch(`${url}/vendor/stompjs/stomp.umd.min.js`);

    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<script src="/vendor/stompjs/stomp.umd.min.js"');
    expect(stomp.status).toBe(200);
    expect(await stomp.text()).toContain('StompJs');
  });
});
