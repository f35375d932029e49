import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { externalService, freePort } from '@playlist-chat/platform/testing';
import { TcpProxy } from './support/tcp-proxy';
import { eventBusContract } from './event-bus.contract';
import { KafkaEventBus } from '../src/event-bus/event-bus.kafka';

const brokers = externalService('KAFKA_BROKERS', 'EventBus contract: Kafka');

describe.skipIf(!brokers)('KafkaEventBus', () => {
  // Every bus gets its own namespace, so each test has its own topics and groups on the shared cluster.
  eventBusContract(
    'Kafka',
    async (retryPolicy) =>
      new KafkaEventBus({
        brokers: (brokers ?? '').split(',').map((broker) => broker.trim()),
        clientId: 'contract-test',
        partitions: 3,
        replication: 1,
        retryPolicy,
        namespace: `test-${randomUUID().slice(0, 8)}.`,
      }),
    {
      timeoutMs: 60_000,
      testTimeoutMs: 180_000,
      // Bootstraps through a local port that is closed at first (written, not run here: no Kafka).
      outage: async (retryPolicy) => {
        const [host, port] = (brokers ?? '').split(',')[0].trim().split(':');
        const proxy = new TcpProxy(await freePort(), { host, port: Number(port) });
        return {
          bus: new KafkaEventBus({
            brokers: [`127.0.0.1:${proxy.port}`],
            clientId: 'contract-test-outage',
            partitions: 3,
            replication: 1,
            retryPolicy,
            publishTimeoutMs: 5_000,
            namespace: `test-${randomUUID().slice(0, 8)}.`,
          }),
          up: () => proxy.open(),
          dispose: () => proxy.close(),
        };
      },
    },
  );

  // Adapter-specific (not in the shared contract), written against a real cluster, not run here.
  describe('Kafka topics', () => {
    const list = async () => {
      const admin = new Kafka({
        clientId: 'contract-test-admin',
        brokers: (brokers ?? '').split(',').map((broker) => broker.trim()),
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      try {
        return await admin.listTopics();
      } finally {
        await admin.disconnect();
      }
    };
    const busIn = (namespace: string) =>
      new KafkaEventBus({
        brokers: (brokers ?? '').split(',').map((broker) => broker.trim()),
        clientId: 'contract-test',
        partitions: 3,
        replication: 1,
        retryPolicy: { maxAttempts: 1, baseDelayMs: 1 },
        namespace,
      });

    it(
      'a per-instance subscription deletes its replay topic when it closes',
      { timeout: 180_000 },
      async () => {
        const namespace = `test-${randomUUID().slice(0, 8)}.`;
        const bus = busIn(namespace);
        try {
          const subscription = await bus.subscribe('presence.changes', 'chat-server:run-1', async () => {}, {
            perInstance: true,
          });
          expect(await list()).toContain(`${namespace}presence.changes.replay.chat-server_run-1`);
          await subscription.close();
          expect(await list()).not.toContain(`${namespace}presence.changes.replay.chat-server_run-1`);
        } finally {
          await bus.close();
        }
      },
    );

    it('listing the dead letters of an unknown topic creates no topic', { timeout: 60_000 }, async () => {
      const namespace = `test-${randomUUID().slice(0, 8)}.`;
      const bus = busIn(namespace);
      try {
        expect(await bus.deadLetters('chat.romos' as 'chat.rooms')).toEqual([]);
        expect((await list()).filter((topic) => topic.startsWith(namespace))).toEqual([]);
      } finally {
        await bus.close();
      }
    });
  });
});
