import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PeriodicTask } from '@playlist-chat/platform';
import { expectEventually } from '@playlist-chat/platform/testing';
import { compilePlatform, runNodeScript } from './support/node-script';

/** Collects what a task reports, the way a Nest Logger would receive it. */
class RecordingLogger {
  readonly errors: string[] = [];
  error(message: string): void {
    this.errors.push(message);
  }
}

/** A promise the test settles by hand, to hold a pass open. */
function gate(): { readonly opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A second task on the same short interval: its ticks mark the passing of real intervals without a sleep. */
async function intervalsPass(count: number, intervalMs: number): Promise<void> {
  let ticks = 0;
  const metronome = new PeriodicTask({
    name: 'metronome',
    intervalMs,
    run: async () => void ticks++,
    logger: new RecordingLogger(),
  });
  metronome.start();
  await expectEventually(() => expect(ticks).toBeGreaterThanOrEqual(count));
  await metronome.stop();
}

describe('PeriodicTask', () => {
  it('runs its pass on every interval once started', async () => {
    let passes = 0;
    const task = new PeriodicTask({
      name: 'counting',
      intervalMs: 5,
      run: async () => void passes++,
      logger: new RecordingLogger(),
    });

    task.start();
    task.start(); // a second start must not add a second timer

    await expectEventually(() => expect(passes).toBeGreaterThanOrEqual(3));
    await task.stop();
  });

  it('never overlaps passes: ticks and runNow() during a pass join it', async () => {
    let active = 0;
    let mostAtOnce = 0;
    let passes = 0;
    const task = new PeriodicTask({
      name: 'slow',
      intervalMs: 2,
      run: async () => {
        active++;
        mostAtOnce = Math.max(mostAtOnce, active);
        // Each pass spans many intervals, so ticks keep arriving while it runs.
        await new Promise((resolve) => setTimeout(resolve, 25));
        active--;
        passes++;
      },
      logger: new RecordingLogger(),
    });

    const first = task.runNow();
    expect(task.runNow()).toBe(first);
    task.start();
    await expectEventually(() => expect(passes).toBeGreaterThanOrEqual(3));
    await task.stop();

    expect(mostAtOnce).toBe(1);
  });

  it('logs a failed pass with its name and keeps running later passes', async () => {
    const logger = new RecordingLogger();
    let calls = 0;
    const task = new PeriodicTask({
      name: 'flaky sweep',
      intervalMs: 5,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('store unreachable');
      },
      logger,
    });

    await expect(task.runNow()).resolves.toBeUndefined();
    task.start();
    await expectEventually(() => expect(calls).toBeGreaterThanOrEqual(3));
    await task.stop();

    expect(logger.errors).toEqual(['flaky sweep failed: Error: store unreachable']);
  });

  it('reports a pass that throws before returning its promise like any other failure', async () => {
    const logger = new RecordingLogger();
    const task = new PeriodicTask({
      name: 'eager',
      intervalMs: 1_000,
      run: () => {
        throw new Error('bad state');
      },
      logger,
    });

    await expect(task.runNow()).resolves.toBeUndefined();
    expect(logger.errors).toEqual(['eager failed: Error: bad state']);
  });

  it('stop() waits for the pass in progress, then no pass starts again', async () => {
    const held = gate();
    let passes = 0;
    let finished = false;
    const task = new PeriodicTask({
      name: 'held',
      intervalMs: 5,
      run: async () => {
        passes++;
        await held.opened;
        finished = true;
      },
      logger: new RecordingLogger(),
    });
    task.start();
    await expectEventually(() => expect(passes).toBe(1));

    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await intervalsPass(3, 5);
    expect(stopped).toBe(false);
    held.open();
    await stopping;

    expect(finished).toBe(true);
    await task.runNow();
    await intervalsPass(5, 5);
    expect(passes).toBe(1);
  });
});

describe('PeriodicTask in a process of its own', () => {
  it('does not keep the process alive', async () => {
    const dir = await compilePlatform(['concurrency/periodic-task.ts']);
    try {
      const child = runNodeScript(
        dir,
        `
const { PeriodicTask } = require('./concurrency/periodic-task');
const task = new PeriodicTask({ name: 'tick', intervalMs: 10, run: async () => console.log('pass'), logger: console });
task.start();
task.runNow();
`,
      );

      // Nothing else holds the event loop: after the first pass the process ends on its own.
      expect(await child.exited).toBe(0);
      expect(child.output()).toContain('pass');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
