import { writeFileSync } from 'node:fs';
import {
  formatRestReport,
  REST_ENDPOINTS,
  REST_FULL,
  REST_SMOKE,
  runRestBench,
  type RestEndpoint,
} from './bench';
import { helpOrRefuseUnknown, numberOption, optionValue } from '../options';

const USAGE =
  'usage: node bench/dist/rest/main.js [endpoint…] [--smoke] [--duration=S] [--connections=N] [--warmup=S] [--no-cap] [--cap-detail] [--baseline=CHECKOUT] [--rounds=N] [--rooms=N] [--messages=N] [--tracks=N] [--cpu-prof=DIR] [--json=FILE]';
/** Options that must be a number: at least 1, except the warm-up, which may be 0. */
const MINIMUM: Record<string, number> = {
  duration: 1,
  connections: 1,
  warmup: 0,
  rounds: 1,
  rooms: 1,
  messages: 1,
  tracks: 1,
};
const OPTIONS = {
  flags: ['--smoke', '--no-cap', '--cap-detail'],
  withValue: [...Object.keys(MINIMUM), 'baseline', 'cpu-prof', 'json'],
};

/**
 * `USAGE` above; `--help` prints it, and any other option (or a number option that is not a
 * number) is refused before anything starts.
 *
 * The REST benchmark alone (see `runRestBench`). Full mode: 10,000 rooms, 100,000 messages,
 * 200 connections, 10 s per endpoint; `--smoke`: a tiny seed, 1 s per endpoint.
 * `--cpu-prof=DIR` runs the product under `node --cpu-prof` and leaves the profile in DIR.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (helpOrRefuseUnknown(args, USAGE, OPTIONS)) return;
  const option = (name: string) => optionValue(args, name);
  const base = args.includes('--smoke') ? REST_SMOKE : REST_FULL;
  const named = args.filter((a) => !a.startsWith('--'));
  const unknown = named.filter((a) => !(REST_ENDPOINTS as readonly string[]).includes(a));
  if (unknown.length)
    throw new Error(`unknown endpoint(s) ${unknown.join(', ')}; known: ${REST_ENDPOINTS.join(', ')}`);
  const number = (name: string, fallback: number) =>
    numberOption(args, name, fallback, { minimum: MINIMUM[name], usage: USAGE });
  // Every number option is checked here, before the seed and the product start.
  for (const name of Object.keys(MINIMUM)) number(name, 0);
  const profileDir = option('cpu-prof');
  const result = await runRestBench({
    ...base,
    seed: {
      ...base.seed,
      rooms: number('rooms', base.seed.rooms),
      messages: number('messages', base.seed.messages),
      tracksPerPlaylist: number('tracks', base.seed.tracksPerPlaylist ?? 1),
    },
    connections: number('connections', base.connections),
    durationSeconds: number('duration', base.durationSeconds),
    warmupSeconds: number('warmup', base.warmupSeconds),
    cap: !args.includes('--no-cap'),
    capDetail: args.includes('--cap-detail'),
    baselineRoot: option('baseline'),
    rounds: number('rounds', 2),
    endpoints: named.length ? (named as RestEndpoint[]) : undefined,
    nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : undefined,
    log: (line) => console.log(line),
  });
  console.log(formatRestReport(result));
  const json = option('json');
  if (json) writeFileSync(json, JSON.stringify(result, null, 2));
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
