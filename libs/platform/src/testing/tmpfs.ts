import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small file system of its own, for tests of what a full disk does. */
export interface Tmpfs {
  readonly dir: string;
  /** Writes zeros to `filler` in it until no space is left. */
  fill(): void;
  /** Deletes the filler: the space is back. */
  free(): void;
  /** Unmounts it and deletes the folder it was mounted on. */
  unmount(): void;
}

/**
 * Why this process cannot mount a tmpfs (not root, or a container without the capability), or
 * undefined when it can: a suite that needs one skips and prints the reason. Tried for real,
 * on a folder of its own, and unmounted at once.
 */
export function tmpfsProblem(): string | undefined {
  try {
    mountTmpfs('64k').unmount();
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs here (${String(error).split('\n')[0]}): mounting needs root`;
  }
}

/** A tmpfs of `size` (mount's syntax: `64k`, `3M`) on a new temporary folder. */
export function mountTmpfs(size: string): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill: () => fillUp(filler),
    free: () => rmSync(filler, { force: true }),
    unmount: () => {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function fillUp(path: string): void {
  const chunk = Buffer.alloc(64 * 1024);
  const fd = openSync(path, 'w');
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}
