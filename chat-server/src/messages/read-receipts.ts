import { Logger } from '@nestjs/common';
import type { ChatMessage } from '@playlist-chat/contracts';
import type { Clock } from '@playlist-chat/platform';
import { RateLimiter } from '../throttling/rate-limiter';

interface Held {
  receipt: ChatMessage;
  readonly timer: NodeJS.Timeout;
}

/**
 * READ receipts to a room, at most CHAT_READ_RATE_LIMIT per member and room per window. A
 * receipt over the limit is held, not dropped: one per member and room, replaced by newer ones,
 * and sent once the limit allows. A member who reads quickly through a room is then seen by the
 * room where they stopped, not where the limit cut them off. A held receipt is checked again
 * before it goes: meanwhile its sender may have left, or chosen to appear offline.
 */
export class ReadReceipts {
  private readonly limiter: RateLimiter;
  private readonly held = new Map<string, Held>();
  /** How long the limit takes to allow one more receipt. */
  private readonly retryMs: number;
  private readonly logger = new Logger('ReadReceipts');

  constructor(
    clock: Clock,
    limit: number,
    windowSeconds: number,
    private readonly send: (receipt: ChatMessage) => Promise<void>,
    /** Whether a held receipt may still be shown to the room when its turn comes. */
    private readonly stillShown: (receipt: ChatMessage) => Promise<boolean>,
  ) {
    this.limiter = new RateLimiter(clock, limit, windowSeconds * 1000);
    this.retryMs = Math.ceil((windowSeconds * 1000) / limit);
  }

  /** Sends `receipt` now if the limit allows; else holds it (the newest per key) until it does. */
  async offer(key: string, receipt: ChatMessage): Promise<void> {
    const held = this.held.get(key);
    // One is waiting already: it goes first, carrying this newer position.
    if (held) held.receipt = receipt;
    else if (this.limiter.tryTake(key)) await this.send(receipt);
    else this.hold(key, receipt);
  }

  /** Drops what is held (the app is stopping). */
  close(): void {
    for (const { timer } of this.held.values()) clearTimeout(timer);
    this.held.clear();
  }

  private hold(key: string, receipt: ChatMessage): void {
    const timer = setTimeout(() => this.release(key), this.retryMs);
    timer.unref();
    this.held.set(key, { receipt, timer });
  }

  private release(key: string): void {
    const held = this.held.get(key);
    if (!held) return;
    this.held.delete(key);
    if (!this.limiter.tryTake(key)) return this.hold(key, held.receipt);
    const { receipt } = held;
    this.stillShown(receipt)
      .then((shown) => (shown ? this.send(receipt) : undefined))
      .catch((error: unknown) => this.logger.warn(`a held READ receipt could not be sent: ${String(error)}`));
  }
}
