import type { IncomingMessage, ServerResponse } from 'node:http';

/** Counts requests being answered, so a shutdown can wait for them; once draining, answers ask clients to reconnect elsewhere. */
export class InFlightRequests {
  private count = 0;
  private draining = false;
  private idleWaiters: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  readonly middleware = (_req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    this.count++;
    if (this.draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      this.count--;
      if (this.count === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
    next();
  };

  /** Resolves once no request is in flight, or after `timeoutMs` (then returns false). */
  drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
