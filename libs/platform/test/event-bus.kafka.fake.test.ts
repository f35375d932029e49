import { makeEvent, type RoomEvent } from '@playlist-chat/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { KafkaEventBus } from '../src/event-bus/event-bus.kafka';
import { FakeKafka, useFakeKafka, type FakeCluster } from './support/fake-kafkajs';

/**
 * KafkaEventBus's own handling around the kafkajs client, against a fake of kafkajs 2.2.4
 * (support/fake-kafkajs.ts): what runs without a broker. The behaviour against a real cluster
 * is the Kafka contract suite (event-bus.kafka.test.ts, with KAFKA_BROKERS).
 */
const opened = (roomId: string) =>
  makeEvent<RoomEvent>('room.opened', {
    roomId,
    roomName: roomId,
    owner: { uid: 'o', nickName: 'O', profileImage: null },
  });

describe('KafkaEventBus against a fake kafkajs client', () => {
  const buses: KafkaEventBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  function busOn(
    cluster?: FakeCluster,
    publishTimeoutMs = 5_000,
  ): { bus: KafkaEventBus; cluster: FakeCluster } {
    const bus = new KafkaEventBus({
      brokers: ['fake:9092'],
      clientId: 'fake-test',
      partitions: 1,
      replication: 1,
      retryPolicy: { maxAttempts: 1, baseDelayMs: 1 },
      publishTimeoutMs,
    });
    buses.push(bus);
    return { bus, cluster: useFakeKafka(bus, new FakeKafka(cluster)) };
  }

  it('deletes a per-instance group and its replay topic when the subscription closes', async () => {
    const { bus, cluster } = busOn();
    const subscription = await bus.subscribe('chat.rooms', 'chat-server:host-1-a1b2c3', async () => {}, {
      perInstance: true,
    });
    expect(cluster.topics.has('chat.rooms.replay.chat-server_host-1-a1b2c3')).toBe(true);
    await subscription.close();
    expect(cluster.groups.has('chat-server:host-1-a1b2c3.chat.rooms')).toBe(false);
    expect([...cluster.topics.keys()].sort()).toEqual(['chat.rooms', 'chat.rooms.dlq']);
  });

  it('keeps the replay topic while its group still has a member elsewhere', async () => {
    const { bus, cluster } = busOn();
    const subscription = await bus.subscribe('chat.rooms', 'chat-server:twin', async () => {}, {
      perInstance: true,
    });
    cluster.linger('chat-server:twin.chat.rooms'); // another process with the same INSTANCE_ID
    await subscription.close();
    expect(cluster.topics.has('chat.rooms.replay.chat-server_twin')).toBe(true);
  });

  it('keeps the replay topic of a shared group', async () => {
    const { bus, cluster } = busOn();
    const subscription = await bus.subscribe('chat.rooms', 'projector', async () => {});
    await subscription.close();
    expect(cluster.topics.has('chat.rooms.replay.projector')).toBe(true);
    expect(cluster.adminCalls.filter(([call]) => call === 'deleteTopics')).toEqual([]);
  });

  it('starts a restarted per-instance group at the end although its crashed predecessor still holds the group', async () => {
    const { bus: before, cluster } = busOn();
    for (const roomId of ['old-1', 'old-2', 'old-3'])
      await before.publish('chat.rooms', roomId, opened(roomId));
    // The previous run of this instance read old-1 and crashed; the coordinator still counts it.
    const previous = cluster.group('chat-server:host-1.chat.rooms');
    previous.committed.set('chat.rooms:0', 1);
    previous.committed.set('chat.rooms.replay.chat-server_host-1:0', 0);
    cluster.linger('chat-server:host-1.chat.rooms');

    const { bus } = busOn(cluster);
    const seen: string[] = [];
    await bus.subscribe(
      'chat.rooms',
      'chat-server:host-1',
      async (event) => {
        seen.push(event.payload.roomId);
      },
      { perInstance: true },
    );
    await bus.publish('chat.rooms', 'new-1', opened('new-1'));
    await expectEventually(() => expect(seen).toContain('new-1'));
    expect(seen).toEqual(['new-1']);
  });

  it('starts a consumer again after a crash kafkajs does not restart, and is not ready meanwhile', async () => {
    const { bus, cluster } = busOn();
    const seen: string[] = [];
    await bus.subscribe('chat.rooms', 'projector', async (event) => {
      seen.push(event.payload.roomId);
    });
    await bus.publish('chat.rooms', 'before', opened('before'));
    await expectEventually(() => expect(seen).toEqual(['before']));

    // KafkaJSGroupCoordinatorNotFound is not retriable (kafkajs errors.js): CRASH, restart: false.
    await cluster.crash(
      'projector.chat.rooms',
      Object.assign(new Error('Failed to find group coordinator'), {
        name: 'KafkaJSGroupCoordinatorNotFound',
        retriable: false,
      }),
    );
    await expect(bus.ping()).rejects.toThrow(
      /projector\.chat\.rooms is not consuming: crashed: Failed to find group coordinator/,
    );
    await bus.publish('chat.rooms', 'after', opened('after'));

    await expectEventually(() => expect(seen).toEqual(['before', 'after']), { timeoutMs: 5_000 });
    await expect(bus.ping()).resolves.toBeUndefined();
  });

  it('sends the next batch only once a timed-out sendBatch settled, so a late record is not overtaken', async () => {
    const { bus, cluster } = busOn(undefined, 200);
    await bus.publish('chat.rooms', 'warm-up', opened('warm-up')); // topics and producer ready
    const release = cluster.holdSends();
    const first = bus.publish('chat.rooms', 'first', opened('first'));
    await expect(first).rejects.toThrow(/timed out after 200 ms/);
    const second = bus.publish('chat.rooms', 'second', opened('second'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cluster.sends.log.at(-1)).toBe('start 2: first'); // second waits behind the one in flight
    release();
    await second;
    expect(cluster.sends.log.slice(2)).toEqual([
      'start 2: first',
      'settled 2',
      'start 3: second',
      'settled 3',
    ]);
    const keys = cluster.topics.get('chat.rooms')?.[0].map((record) => record.key?.toString());
    expect(keys).toEqual(['warm-up', 'first', 'second']);
  });

  it('says whether a timed-out publish was sent (outcome unknown) or not', async () => {
    const { bus, cluster } = busOn(undefined, 200);
    await bus.publish('chat.rooms', 'warm-up', opened('warm-up'));
    const release = cluster.holdSends();
    const first = expect(bus.publish('chat.rooms', 'first', opened('first'))).rejects.toThrow(
      'Kafka publish timed out after 200 ms; its outcome is unknown (kafkajs may still write it)',
    );
    const queued = expect(bus.publish('chat.rooms', 'queued', opened('queued'))).rejects.toThrow(
      'Kafka publish timed out after 200 ms; it was not sent',
    );
    await Promise.all([first, queued]);
    release();
  });

  it('drops a record whose publish timed out before it was sent: its rejection means not published', async () => {
    const { bus, cluster } = busOn(undefined, 200);
    await bus.publish('chat.rooms', 'warm-up', opened('warm-up'));
    const release = cluster.holdSends();
    const first = expect(bus.publish('chat.rooms', 'first', opened('first'))).rejects.toThrow(/timed out/);
    const queued = expect(bus.publish('chat.rooms', 'queued', opened('queued'))).rejects.toThrow(/timed out/);
    await Promise.all([first, queued]);
    release();
    await bus.publish('chat.rooms', 'third', opened('third'));
    const keys = cluster.topics.get('chat.rooms')?.[0].map((record) => record.key?.toString());
    expect(keys).toEqual(['warm-up', 'first', 'third']);
  });

  it('lists the dead letters of an unknown topic without creating it', async () => {
    const { bus, cluster } = busOn();
    expect(await bus.deadLetters('chat.romos' as 'chat.rooms')).toEqual([]);
    expect(await bus.replayDeadLetters('chat.romos' as 'chat.rooms')).toBe(0);
    expect(cluster.adminCalls.filter(([call]) => call === 'createTopics')).toEqual([]);
    expect([...cluster.topics.keys()]).toEqual([]);
  });
});
