import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';

/** /health/ready looks at every bound adapter: a chat server whose Redis is gone is not ready. */
describe('readiness follows the adapters', () => {
  let redis: TestRedis | undefined;
  let port: number;
  let chat: TestChatServer;

  beforeAll(async () => {
    redis = await startRedisServer();
    port = redis.port;
    chat = await TestChatServer.start({ ROOM_FANOUT: 'redis', EVENT_BUS: 'redis', REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await chat?.close();
    await redis?.stop();
  });

  const ready = async () => {
    const response = await fetch(`${chat.url}/health/ready`);
    return { status: response.status, body: await response.text() };
  };

  it('answers 503 naming the event bus and the fan-out while Redis is down, and 200 once it is back', async () => {
    expect((await ready()).status).toBe(200);

    await redis!.stop();
    redis = undefined;
    const down = await expectEventually(
      async () => {
        const answer = await ready();
        expect(answer.status).toBe(503);
        return answer;
      },
      { timeoutMs: 15_000 },
    );
    expect(down.body).toContain('event-bus');
    expect(down.body).toContain('room-fanout');
    expect(down.body).not.toContain('"store":{"status":"down"');
    expect((await fetch(`${chat.url}/health/live`)).status).toBe(200);

    redis = await startRedisServer({ port });
    await expectEventually(async () => expect((await ready()).status).toBe(200), { timeoutMs: 15_000 });
  });
});
