import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (user + system, ms) of a process, from /proc: the server is measured from outside. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** Resident memory of a process, in KiB. */
export function rssKbOf(pid: number): number {
  const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}

/** Descriptors a process holds open now. */
export function openFilesOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** The most descriptors a process may hold (its soft RLIMIT_NOFILE; Node raises it to the hard one). */
export function openFileLimitOf(pid: number): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return !match || match[1] === 'unlimited' ? Infinity : Number(match[1]);
}

/** CPU and wall time between `start()` and `stop()` of one process. */
export class CpuWindow {
  private cpu0 = 0;
  private wall0 = 0;

  constructor(private readonly pid: number) {}

  start(): void {
    this.cpu0 = cpuMsOf(this.pid);
    this.wall0 = performance.now();
  }

  stop(): { cpuMs: number; wallMs: number; share: number } {
    const cpuMs = cpuMsOf(this.pid) - this.cpu0;
    const wallMs = performance.now() - this.wall0;
    return { cpuMs, wallMs, share: cpuMs / wallMs };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
