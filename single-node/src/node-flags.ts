/**
 * The Node flags every app of the product runs with: `npm start` (package.json), the image
 * (Dockerfile's NODE_OPTIONS), `npm run cluster:local` and the benchmarks' product process.
 * `single-node/test/node-flags.test.ts` checks each of them uses exactly these.
 *
 * `--max-semi-space-size=16` (MB): on a machine with a large heap limit (4 GB on 24 GiB) V8 lets
 * each young-generation semi-space grow to 64 MB. A burst of joins grew it there and the 128 MB
 * stayed committed: 10,000 idle connections cost 21 KB each instead of 16 KB, and the idle
 * process 40 MB more (docs/performance.md, "idle"). Fan-out CPU per delivery did not change
 * measurably (4.2–4.8 µs default, 4.6–5.0 µs with 16 MB, paired runs).
 *
 * V8 flags that NODE_OPTIONS refuses are set at run time instead, by the first import of every
 * app's entry point (`@playlist-chat/platform/v8-tuning`).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
