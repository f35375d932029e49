#!/usr/bin/env node
// `npm run test:cluster`: the contract and chaos suites against the engines of `docker compose
// up -d` (MongoDB, Kafka, Consul). It starts nothing itself and refuses to run half: every
// suite that needs an engine would otherwise skip and the run would look green.
const { spawnSync } = require('node:child_process');

const needed = {
  MONGO_URL: 'mongodb://localhost:27017/?replicaSet=rs0&directConnection=true',
  KAFKA_BROKERS: 'localhost:9094',
  CONSUL_URL: 'http://localhost:8500',
};
const missing = Object.keys(needed).filter((name) => !process.env[name]);
if (missing.length > 0) {
  console.error(
    [
      `test:cluster needs ${missing.join(', ')} (it runs against the engines of docker compose up -d). For example:`,
      ...Object.entries(needed).map(([name, example]) => `  export ${name}='${example}'`),
      'See docs/operations.md, "Testing against the cluster\'s engines".',
    ].join('\n'),
  );
  process.exit(2);
}
const suites = [
  'libs/platform/test/event-bus', // memory, Redis Streams, Kafka
  'libs/platform/test/room-fanout',
  'libs/platform/test/service-registry', // memory, static, Consul
  'chat-server/test/storage', // SQLite and MongoDB stores
  'presence-server/test/presence', // presence store contract
  'single-node/test/chaos', // the fault suite, with its rooms and messages on MongoDB
];
const run = spawnSync('npx', ['vitest', 'run', ...suites], {
  stdio: 'inherit',
  env: { ...process.env, CHAOS_STORE: 'mongo' },
});
process.exit(run.status ?? 1);
