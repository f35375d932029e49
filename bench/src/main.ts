import { cpus } from 'node:os';
import { runFanout } from './fanout';

/**
 * `npm run bench`: runs every scenario and prints the figures `docs/performance.md` quotes.
 * FANOUT_SUBSCRIBERS, FANOUT_MESSAGES and FANOUT_ROUNDS override the defaults.
 */
async function main(): Promise<void> {
  const options = {
    subscribers: Number(process.env.FANOUT_SUBSCRIBERS ?? 1000),
    messages: Number(process.env.FANOUT_MESSAGES ?? 200),
    rounds: Number(process.env.FANOUT_ROUNDS ?? 9),
    burst: 10,
  };
  console.log(
    `fan-out: 1 destination × ${options.subscribers} subscribers over loopback, ${options.messages} messages per run, ${options.rounds} alternating rounds`,
  );
  console.log(`node ${process.version}, ${cpus().length} CPU(s): ${cpus()[0]?.model ?? 'unknown'}`);
  const started = Date.now();
  const results = await runFanout(options);
  const bare = results.find((r) => r.scenario === 'bare-ws')!;
  for (const result of results) {
    console.log(
      `${result.scenario.padEnd(20)} median ${Math.round(result.median).toLocaleString('en-US').padStart(9)} deliveries/s` +
        `  ratio to bare ws ${result.medianRatio.toFixed(2)} (per round: ${result.ratios.map((r) => r.toFixed(2)).join(' ')})` +
        `  server CPU ${result.cpuNsPerDelivery.toFixed(0)} ns/delivery (${(bare.cpuNsPerDelivery / result.cpuNsPerDelivery).toFixed(2)}× bare's efficiency)`,
    );
  }
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
