import { randomUUID } from 'node:crypto';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { makeEvent, type RoomEvent } from '@playlist-chat/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Clock,
  EventBus,
  loadSettings,
  MetricsModule,
  MetricsRegistry,
  PLATFORM_SETTINGS,
  PlatformModule,
  platformSettings,
  RoomFanout,
  ServiceRegistry,
  type Env,
} from '@playlist-chat/platform';
import {
  InMemoryRoomFanout,
  KafkaEventBus,
  ConsulServiceRegistry,
  RedisEventBus,
  RedisRoomFanout,
  sharedInMemoryEventBus,
  sharedInMemoryServiceRegistry,
} from '@playlist-chat/platform/adapters';
import { expectEventually, startRedisServer, type TestRedis } from '@playlist-chat/platform/testing';

async function startApp(env: Env): Promise<INestApplicationContext> {
  @Module({ imports: [PlatformModule.forRoot(loadSettings(platformSettings, env))] })
  class AppModule {}
  return NestFactory.createApplicationContext(AppModule, { logger: false });
}

describe('PlatformModule', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('binds the single-node adapters by default, shared by every app of the process', async () => {
    const chat = await startApp({});
    const presence = await startApp({});

    expect(chat.get(EventBus)).toBe(sharedInMemoryEventBus());
    expect(presence.get(EventBus)).toBe(chat.get(EventBus));
    expect(chat.get(ServiceRegistry)).toBe(sharedInMemoryServiceRegistry());
    expect(chat.get(RoomFanout)).toBeInstanceOf(InMemoryRoomFanout);
    expect(chat.get(PLATFORM_SETTINGS)).toMatchObject({ mode: 'single', eventBus: 'memory' });
    expect(chat.get(Clock).now()).toBeInstanceOf(Date);

    const roomId = randomUUID();
    const heard: string[] = [];
    await presence.get(EventBus).subscribe('chat.rooms', `presence-${roomId}`, async (event) => {
      heard.push(event.payload.roomId);
    });
    await chat.get(EventBus).publish(
      'chat.rooms',
      roomId,
      makeEvent<RoomEvent>('room.opened', {
        roomId,
        roomName: 'r',
        owner: { uid: 'u', nickName: 'U', profileImage: null },
      }),
    );
    await expectEventually(() => expect(heard).toEqual([roomId]));

    const relayed: string[] = [];
    presence.get(RoomFanout).onMessage((_channel, payload) => relayed.push(payload));
    await presence.get(RoomFanout).subscribe(`room:${roomId}`);
    await chat.get(RoomFanout).publish(`room:${roomId}`, 'across apps');
    await expectEventually(() => expect(relayed).toEqual(['across apps']));

    await chat.close();
    // Closing one app leaves the shared bus to the others.
    expect(sharedInMemoryEventBus()).toBe(presence.get(EventBus));
    await presence.close();
  });

  it('binds Redis fan-out when chosen and closes its connections with the app', async () => {
    const app = await startApp({
      ROOM_FANOUT: 'redis',
      REDIS_URL: redis.url,
    });
    const fanout = app.get(RoomFanout);
    expect(fanout).toBeInstanceOf(RedisRoomFanout);
    const channel = `room:${randomUUID()}`;
    const received: string[] = [];
    fanout.onMessage((_channel, payload) => received.push(payload));
    await fanout.subscribe(channel);
    await fanout.publish(channel, 'via redis');
    await expectEventually(() => expect(received).toEqual(['via redis']));

    await app.close();

    await expect(fanout.publish(channel, 'after close')).rejects.toThrow(/closed/);
  });

  it('binds the Redis Streams bus when chosen: events cross apps through Redis, closed with the app', async () => {
    const env = { EVENT_BUS: 'redis', REDIS_URL: redis.url };
    const publisher = await startApp(env);
    const consumer = await startApp(env);
    expect(publisher.get(EventBus)).toBeInstanceOf(RedisEventBus);
    expect(consumer.get(EventBus)).not.toBe(publisher.get(EventBus));
    const received: string[] = [];
    await consumer.get(EventBus).subscribe('chat.rooms', `g-${randomUUID()}`, async (event) => {
      received.push(event.payload.roomId);
    });
    const roomId = randomUUID();
    await publisher.get(EventBus).publish(
      'chat.rooms',
      roomId,
      makeEvent<RoomEvent>('room.opened', {
        roomId,
        roomName: 'r',
        owner: { uid: 'u', nickName: 'U', profileImage: null },
      }),
    );
    await expectEventually(() => expect(received).toEqual([roomId]));
    const bus = publisher.get(EventBus);
    await publisher.close();
    await consumer.close();
    await expect(
      bus.publish('chat.rooms', roomId, makeEvent<RoomEvent>('room.closed', { roomId })),
    ).rejects.toThrow(/closed/);
  });

  it('binds the Kafka bus and the Consul registry when chosen, connecting only on first use', async () => {
    const app = await startApp({
      EVENT_BUS: 'kafka',
      KAFKA_BROKERS: '127.0.0.1:1',
      SERVICE_REGISTRY: 'consul',
      CONSUL_URL: 'http://127.0.0.1:1',
    });

    expect(app.get(EventBus)).toBeInstanceOf(KafkaEventBus);
    expect(app.get(ServiceRegistry)).toBeInstanceOf(ConsulServiceRegistry);
    await app.close();
  });
});

/** The platform and its metrics, as an app composes them. */
async function startMeteredApp(env: Env): Promise<INestApplicationContext> {
  @Module({
    imports: [
      PlatformModule.forRoot(loadSettings(platformSettings, env)),
      MetricsModule.forRoot({ service: 'metrics-test' }),
    ],
  })
  class AppModule {}
  return NestFactory.createApplicationContext(AppModule, { logger: false });
}

describe('PlatformModule with MetricsModule: the event bus, counted', () => {
  it('counts deliveries, retries and the dead-lettered event by exactly what one failing event caused', async () => {
    const app = await startMeteredApp({ EVENT_MAX_ATTEMPTS: '2', EVENT_RETRY_BASE_MS: '1' });
    try {
      const bus = app.get(EventBus);
      const registry = app.get(MetricsRegistry);
      const group = `failing-${randomUUID()}`;
      let attempts = 0;
      const subscription = await bus.subscribe('chat.rooms', group, async () => {
        attempts += 1;
        throw new Error('cannot handle it');
      });
      const roomId = randomUUID();
      await bus.publish('chat.rooms', roomId, makeEvent<RoomEvent>('room.closed', { roomId }));
      await expectEventually(() => expect(attempts).toBe(2));
      const value = async (name: string, labels: Record<string, string>) =>
        ((await registry.getSingleMetric(name)?.get())?.values ?? []).find((sample) =>
          Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted),
        )?.value ?? 0;
      await expectEventually(async () =>
        expect(await value('event_bus_dead_lettered_total', { topic: 'chat.rooms', group })).toBe(1),
      );
      expect(await value('event_bus_retries_total', { topic: 'chat.rooms', group })).toBe(1);
      expect(await value('event_bus_consumed_total', { topic: 'chat.rooms', group, outcome: 'failed' })).toBe(
        2,
      );
      await subscription.close();
    } finally {
      await app.close();
    }
  });

  describe.each(['memory', 'redis'] as const)('event_bus_consumer_lag on the %s bus', (engine) => {
    let redis: TestRedis | undefined;
    beforeAll(async () => {
      if (engine === 'redis') redis = await startRedisServer();
    });
    afterAll(() => redis?.stop());

    it('counts exactly the events a busy group has not handled yet, and 0 once it has', async () => {
      const app = await startMeteredApp(
        engine === 'redis' ? { EVENT_BUS: 'redis', REDIS_URL: redis!.url } : {},
      );
      try {
        const bus = app.get(EventBus);
        const registry = app.get(MetricsRegistry);
        const group = `busy-${randomUUID()}`;
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let handled = 0;
        const subscription = await bus.subscribe('chat.rooms', group, async () => {
          await gate;
          handled += 1;
        });
        const lag = async () =>
          ((await registry.getSingleMetric('event_bus_consumer_lag')?.get())?.values ?? []).find(
            (sample) => sample.labels.topic === 'chat.rooms' && sample.labels.group === group,
          )?.value;
        expect(await lag()).toBe(0);
        const roomId = randomUUID(); // one key: the second and third wait behind the first
        for (let i = 0; i < 3; i++)
          await bus.publish('chat.rooms', roomId, makeEvent<RoomEvent>('room.closed', { roomId }));
        await expectEventually(async () => expect(await lag()).toBe(3));
        release();
        await expectEventually(() => expect(handled).toBe(3));
        await expectEventually(async () => expect(await lag()).toBe(0));
        await subscription.close();
      } finally {
        await app.close();
      }
    });
  });
});
