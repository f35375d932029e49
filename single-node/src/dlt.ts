import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TopicName } from '@playlist-chat/contracts';
import { exitOnStartFailure, loadSettings, platformSettings, retryPolicyFrom } from '@playlist-chat/platform';
import { KafkaEventBus, kafkaEventBusOptions, RedisEventBus } from '@playlist-chat/platform/adapters';
import { loadDotEnv } from '@playlist-chat/platform/telemetry';
import { Logger } from '@nestjs/common';

const USAGE = `usage: npm run dlt -- list|replay --topic <topic> [--group <group>] [--limit <n>]
  list    prints the parked events of <topic> (one JSON object a line), oldest first
  replay  gives them back to the group that failed each, and only to it (Redis Streams: the
          group's replay stream; Kafka: the group's replay topic <topic>.replay.<group>)
The bus is the one EVENT_BUS and its settings (REDIS_URL, KAFKA_BROKERS…) name.`;

/**
 * The topics events are published on: a typo must neither create a topic (KAFKA_AUTO_CREATE_TOPICS_ENABLE
 * is off for that reason) nor read as "nothing parked". `satisfies` keeps it in step with EventTopics.
 */
const TOPICS = Object.keys({
  'chat.rooms': true,
  'chat.devices': true,
  'presence.changes': true,
  'search.index': true,
  'chat.notifications': true,
} satisfies Record<TopicName, true>) as TopicName[];

/** `npm run dlt`: the operator's view of dead letters (docs/operations.md). */
async function main(): Promise<void> {
  const args = parsedArgs();
  if (!args) return usage();
  const { positionals, values } = args;
  const [command] = positionals;
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (
    positionals.length !== 1 ||
    (command !== 'list' && command !== 'replay') ||
    !values.topic ||
    (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
  )
    return usage();
  const topic = values.topic as TopicName;
  if (!TOPICS.includes(topic)) {
    console.error(`unknown topic ${JSON.stringify(values.topic)}; the topics are: ${TOPICS.join(', ')}`);
    process.exit(2);
  }
  const filter = { group: values.group, limit };
  // The bus as `npm start` reads it: the environment first, then .env at the repository root.
  loadDotEnv(join(__dirname, '..', '..', '.env'));
  const settings = loadSettings(platformSettings, process.env);
  switch (settings.eventBus) {
    case 'memory':
      console.error(
        'EVENT_BUS=memory: dead letters live inside the running app and end with it; nothing to do here.',
      );
      process.exit(2);
      break;
    case 'redis':
    case 'kafka': {
      const bus =
        settings.eventBus === 'redis'
          ? new RedisEventBus({ redisUrl: settings.redisUrl, retryPolicy: retryPolicyFrom(settings) })
          : new KafkaEventBus(kafkaEventBusOptions(settings));
      try {
        if (command === 'list')
          for (const parked of await bus.deadLetters(topic, filter)) console.log(JSON.stringify(parked));
        else console.log(`replayed ${await bus.replayDeadLetters(topic, filter)}`);
      } catch (error) {
        // An operator's tool: which setting to check, not a stack trace (nor the URL: it may hold a password).
        const where = settings.eventBus === 'redis' ? 'REDIS_URL' : 'KAFKA_BROKERS';
        console.error(
          `the event bus did not answer (EVENT_BUS=${settings.eventBus}; check ${where}): ${(error as Error).message}`,
        );
        process.exitCode = 1;
      } finally {
        await bus.close().catch(() => {});
      }
      break;
    }
  }
}

/** The arguments, or undefined when they are not ours (an unknown option, a missing value). */
function parsedArgs() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { topic: { type: 'string' }, group: { type: 'string' }, limit: { type: 'string' } },
    });
  } catch {
    return undefined;
  }
}

function usage(): never {
  console.error(USAGE);
  process.exit(2);
}

// The bus adapters log their reconnects through Nest's logger: here, only errors, and the tool's own words.
Logger.overrideLogger(['error']);
main().catch(exitOnStartFailure);
