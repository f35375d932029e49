import { randomBytes } from 'node:crypto';
import type { Clock } from '@playlist-chat/platform';

/** 26 lowercase hex digits: 12 of milliseconds, 6 of a per-millisecond counter, 8 naming the process. */
export const MESSAGE_ID_PATTERN = /^[0-9a-f]{26}$/;

/**
 * Message ids that sort lexicographically in creation order: time first, then a counter, so
 * ids from one process are strictly increasing even within one millisecond or if the clock
 * steps back; the process suffix keeps instances of a cluster from colliding.
 */
export class MessageIdGenerator {
  private lastMs = 0;
  private counter = 0;
  private readonly suffix = randomBytes(4).toString('hex');

  constructor(private readonly clock: Clock) {}

  next(): string {
    const now = this.clock.now().getTime();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.counter = 0;
    } else if (++this.counter > 0xffffff) {
      // Counter exhausted within one millisecond: borrow the next millisecond.
      this.lastMs += 1;
      this.counter = 0;
    }
    return (
      this.lastMs.toString(16).padStart(12, '0') + this.counter.toString(16).padStart(6, '0') + this.suffix
    );
  }
}
