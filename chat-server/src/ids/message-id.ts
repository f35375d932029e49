import { randomBytes } from 'node:crypto';
import type { Clock } from '@playlist-chat/platform';

/** 26 lowercase hex digits: 12 of milliseconds, 6 of a per-millisecond counter, 8 naming the process. */
export const MESSAGE_ID_PATTERN = /^[0-9a-f]{26}$/;

const ORDER_DIGITS = 18; // 12 of milliseconds + 6 of counter

/**
 * The id a line gets in its room: `candidate` when it sorts after the room's `previous` line,
 * otherwise the next id after `previous` (its time and counter plus one) with the candidate's
 * process suffix. The store calls this inside the append, so a room's ids follow its commit
 * order even when the writing instance's clock is behind the one that wrote `previous`.
 */
export function idAfter(previous: string | null, candidate: string): string {
  if (previous === null || candidate > previous) return candidate;
  if (!MESSAGE_ID_PATTERN.test(previous) || !MESSAGE_ID_PATTERN.test(candidate))
    throw new RangeError(`message ids must be 26 hex digits: ${previous}, ${candidate}`);
  const order = BigInt(`0x${previous.slice(0, ORDER_DIGITS)}`) + 1n;
  return order.toString(16).padStart(ORDER_DIGITS, '0') + candidate.slice(ORDER_DIGITS);
}

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

  /**
   * The store gave one of this process's candidates a later id (`idAfter`): later ids of this
   * process start after it, so the process never hands out that id again.
   */
  observe(id: string): void {
    if (!MESSAGE_ID_PATTERN.test(id) || !id.endsWith(this.suffix)) return;
    const ms = parseInt(id.slice(0, 12), 16);
    const counter = parseInt(id.slice(12, ORDER_DIGITS), 16);
    if (ms > this.lastMs || (ms === this.lastMs && counter > this.counter)) {
      this.lastMs = ms;
      this.counter = counter;
    }
  }
}
