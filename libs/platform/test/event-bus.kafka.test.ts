import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
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
});
