import { randomUUID } from 'node:crypto';
import { expectEventually, startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, presenceApi, startPresenceHarness, type PresenceHarness } from './support/presence-harness';

/** `presence_members_on` as GET /metrics serves it (undefined when the series is missing). */
async function membersOn(baseUrl: string): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith('presence_members_on{'));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

describe.each([
  ['memory store', () => ({})],
  ['Redis store (private redis-server)', () => ({ PRESENCE_STORE: 'redis', REDIS_URL: redis.url })],
])('GET /metrics presence_members_on, %s', (_name, env) => {
  let harness: PresenceHarness;
  let api: ReturnType<typeof presenceApi>;

  beforeAll(async () => {
    harness = await startPresenceHarness(env());
    api = presenceApi(harness.server.url);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('moves by exactly the members the test turned on and off, over HTTP and device events', async () => {
    const url = harness.server.url;
    const before = await membersOn(url);
    expect(before).toBeDefined();
    const roomId = randomUUID();
    await harness.roomEvent(events.opened(roomId, 'alice', 'Alice'));
    await harness.roomEvent(events.joined(roomId, 'bob', 'Bob'));
    await harness.roomEvent(events.joined(roomId, 'carol', 'Carol'));
    const tokens = {
      alice: await harness.tokenFor('alice'),
      bob: await harness.tokenFor('bob'),
      carol: await harness.tokenFor('carol'),
    };
    await expectEventually(async () =>
      expect(await api.uids(roomId, 'off', tokens.alice)).toEqual(['alice', 'bob', 'carol']),
    );
    expect(await membersOn(url)).toBe(before);

    // A STOMP connection's device (what the chat server publishes) and two PATCH on.
    await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'bob-phone'));
    expect((await api.turn('on', tokens.alice, { roomId })).status).toBe(200);
    expect((await api.turn('on', tokens.carol, { roomId })).status).toBe(200);
    expect((await api.turn('on', tokens.carol, { roomId })).status).toBe(200); // a heart-beat: no more
    await expectEventually(async () => expect(await membersOn(url)).toBe(before! + 3));

    expect((await api.turn('off', tokens.carol, { roomId })).status).toBe(200);
    expect(await membersOn(url)).toBe(before! + 2);
    await harness.deviceEvent(roomId, events.disconnected(roomId, 'bob', 'bob-phone'));
    await expectEventually(async () => expect(await membersOn(url)).toBe(before! + 1));

    // Closing the room takes alice (still on) with it.
    await harness.roomEvent(events.closed(roomId));
    await expectEventually(async () => expect(await membersOn(url)).toBe(before));
  });
});
