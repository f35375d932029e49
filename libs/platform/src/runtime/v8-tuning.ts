import { setFlagsFromString } from 'node:v8';

/**
 * V8 flags the product sets at run time, because NODE_OPTIONS refuses them (the image passes its
 * Node flags there, single-node/src/node-flags.ts): every app's entry point imports this module
 * before anything else. They are process-wide, so the single node's gateway thread has them too.
 *
 * `--no-allocation-site-pretenuring`: under load a request's objects wait on I/O long enough to
 * outlive a young-generation collection, and V8 then allocated them straight into the old
 * generation, where they died as garbage for the full collections and their background marking.
 * The gateway thread moved ~15 KB of every request there (2.6 MB per collection at 2,000 req/s;
 * 0.06 MB without it); with it off, a request through the gateway cost 0.91x the CPU, the process
 * held ~100 MB less under load, and the STOMP scenarios did not change (docs/performance.md,
 * "The ninth round").
 */
export const V8_RUNTIME_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring'];

for (const flag of V8_RUNTIME_FLAGS) setFlagsFromString(flag);
