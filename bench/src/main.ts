import { existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { runFanout } from './fanout';
import { formatReport } from './e2e/report';
import { formatRestReport, REST_FULL, runRestBench } from './rest/bench';
import { FULL, runSuite, SCENARIOS, SMOKE, type ScenarioName } from './e2e/suite';
import type { TargetName } from './e2e/targets/target';
import { helpOrRefuseUnknown, numberOption, optionValue } from './options';

/** The default targets; `product-gateway` (STOMP through the gateway, as web clients connect) runs when named. */
const TARGETS: TargetName[] = ['product', 'bare-ws', 'bare-ws-stored', 'rabbitmq'];
const KNOWN_TARGETS: readonly TargetName[] = [...TARGETS, 'product-gateway'];
const LIBRARY = 'library-fanout';
/** The REST benchmark (`bench/src/rest`; run alone, with its own options, by `node bench/dist/rest/main.js`). */
const REST = 'rest';

const USAGE =
  'usage: npm run bench [-- <scenario…>] [--smoke] [--targets=product,bare-ws,bare-ws-stored,rabbitmq[,product-gateway]] [--baseline=CHECKOUT] [--rounds=N] [--json=FILE]';

/**
 * `USAGE` above; `--help` prints it, and any other option is refused.
 *
 * End-to-end STOMP scenarios (`fanout`, `many-rooms`, `big-room`, `saturation`, `idle`,
 * `big-room-setup`, `line-cost`; all of them when none is named) against the product (single node, on its
 * chat port), a bare `ws` server and RabbitMQ Web-STOMP, one after the other in this run,
 * `rest` (every list and read endpoint with autocannon, see bench/src/rest/main.ts), and
 * `library-fanout`, the in-process `StompBroker.publish` benchmark (FANOUT_SUBSCRIBERS,
 * FANOUT_MESSAGES, FANOUT_ROUNDS). `--smoke` runs tiny sizes in seconds (CI runs it through
 * bench/test/smoke.test.ts); `--rounds=N` runs each STOMP scenario N times on every target in
 * alternation and prints each round's ratio and their median; `--baseline=CHECKOUT` adds the
 * built single node of another checkout as target `baseline`, first in every round, and prints
 * the product's ratios to it (two builds paired in one run; the STOMP scenarios only: the REST
 * bench has its own `--baseline`); `--json` also writes the figures as JSON.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const option = (name: string) => optionValue(args, name);
  if (
    helpOrRefuseUnknown(args, USAGE, {
      flags: ['--smoke'],
      withValue: ['targets', 'rounds', 'json', 'baseline'],
    })
  )
    return;
  const named = args.filter((a) => !a.startsWith('--'));
  const unknown = named.filter(
    (a) => a !== LIBRARY && a !== REST && !(SCENARIOS as readonly string[]).includes(a),
  );
  if (unknown.length)
    throw new Error(
      `unknown scenario(s) ${unknown.join(', ')}; known: ${[...SCENARIOS, LIBRARY].join(', ')}`,
    );
  const targets = [...(option('targets')?.split(',') ?? TARGETS)] as TargetName[];
  const strange = targets.filter((t) => !(KNOWN_TARGETS as readonly string[]).includes(t));
  if (strange.length)
    throw new Error(`unknown target(s) ${strange.join(', ')}; known: ${KNOWN_TARGETS.join(', ')}`);
  const rounds = numberOption(args, 'rounds', 1, { minimum: 1, whole: true, usage: USAGE });
  const baselineRoot = baselineCheckout(option('baseline'));
  if (baselineRoot !== undefined) targets.unshift('baseline');
  const scenarios = (
    named.length ? named.filter((a) => a !== LIBRARY && a !== REST) : [...SCENARIOS]
  ) as ScenarioName[];

  console.log(
    `node ${process.version}, ${cpus().length} CPU(s): ${cpus()[0]?.model ?? 'unknown'}; ${new Date().toISOString()}`,
  );
  const started = Date.now();
  if (scenarios.length) {
    const report = await runSuite(
      scenarios,
      targets,
      smoke ? SMOKE : FULL,
      (line) => console.log(line),
      rounds,
      baselineRoot,
    );
    console.log(formatReport(report));
    const json = option('json');
    if (json) writeFileSync(json, JSON.stringify(report, null, 2));
  }
  if (named.includes(REST) || (!named.length && !smoke))
    console.log(formatRestReport(await runRestBench({ ...REST_FULL, log: (line) => console.log(line) })));
  if (named.includes(LIBRARY) || (!named.length && !smoke)) await libraryFanout();
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** `--baseline=`'s checkout, refused before anything starts unless its single node is built. */
function baselineCheckout(given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  const root = resolve(given);
  if (!existsSync(join(root, 'single-node', 'dist', 'main.js')))
    throw new Error(
      `--baseline=${given}: no built single node there (run npm ci && npm run build in it)\n${USAGE}`,
    );
  return root;
}

/** The in-process fan-out benchmark: `StompBroker.publish` against bare `ws` in one process. */
async function libraryFanout(): Promise<void> {
  const options = {
    subscribers: Number(process.env.FANOUT_SUBSCRIBERS ?? 1000),
    messages: Number(process.env.FANOUT_MESSAGES ?? 200),
    rounds: Number(process.env.FANOUT_ROUNDS ?? 9),
    burst: 10,
  };
  console.log(
    `library fan-out: 1 destination × ${options.subscribers} subscribers over loopback, ${options.messages} messages per run, ${options.rounds} alternating rounds`,
  );
  const results = await runFanout(options);
  const bare = results.find((r) => r.scenario === 'bare-ws')!;
  for (const result of results) {
    console.log(
      `${result.scenario.padEnd(20)} median ${Math.round(result.median).toLocaleString('en-US').padStart(9)} deliveries/s` +
        `  ratio to bare ws ${result.medianRatio.toFixed(2)} (per round: ${result.ratios.map((r) => r.toFixed(2)).join(' ')})` +
        `  server CPU ${result.cpuNsPerDelivery.toFixed(0)} ns/delivery (${(bare.cpuNsPerDelivery / result.cpuNsPerDelivery).toFixed(2)}× bare's efficiency)`,
    );
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
