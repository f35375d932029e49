import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
import { externalService } from '@playlist-chat/platform/testing';
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
    { timeoutMs: 60_000, testTimeoutMs: 180_000 },
  );
});
