import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestBackend } from './support/backend';
import { startTestGateway } from './support/gateway';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('gateway shutdown', () => {
  it('deregisters, refuses new connections, lets in-flight requests finish, then closes tunnels', async () => {
    const gateway = await startTestGateway({ GATEWAY_DRAIN_TIMEOUT_MS: '5000' });
    cleanups.push(() => gateway.registry.close());
    const chat = await TestBackend.start('chat-1', 'chat-server');
    cleanups.push(() => chat.stop());
    await chat.register(gateway.registry);
    await expectEventually(async () => expect((await fetch(`${gateway.url}/v1/api/ping`)).status).toBe(200));
    const ws = new WebSocket(`${gateway.url.replace('http', 'ws')}/ws-chat`);
    await once(ws, 'open');
    const tunnelClosed = once(ws, 'close');
    chat.behaviour = { delayMs: 1_500 };

    const inFlight = fetch(`${gateway.url}/v1/api/slow`);
    await expectEventually(() => expect(chat.seen.map((seen) => seen.url)).toContain('/v1/api/slow'));
    const closing = gateway.gateway.close();
    await expectEventually(() => expect(fetch(`${gateway.url}/health/live`)).rejects.toThrow());
    expect(chat.seen.map((seen) => seen.url)).toEqual(['/v1/api/ping', '/v1/api/slow']);

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ url: '/v1/api/slow' });
    await closing;
    await tunnelClosed;
    expect(await gateway.registry.healthy('gateway')).toEqual([]);
    await expect(fetch(`${gateway.url}/health/live`)).rejects.toThrow();
  });
});
