import type { StompFrame } from '../frame/frame';
import { Refusal } from './refusal';

/**
 * The open transactions of one session: the SEND, ACK and NACK frames enlisted in each, held
 * until COMMIT hands them back to be run in order, or ABORT drops them.
 */
export class Transactions {
  private readonly open = new Map<string, StompFrame[]>();

  constructor(private readonly limits: { maxTransactions: number; maxTransactionFrames: number }) {}

  /** BEGIN: refuses a name already open and more than `maxTransactions` at once. */
  begin(name: string): void {
    if (this.open.has(name))
      throw new Refusal('duplicate-transaction', `transaction ${name} is already open`);
    if (this.open.size >= this.limits.maxTransactions) {
      throw new Refusal(
        'too-many-transactions',
        `more than ${this.limits.maxTransactions} open transactions`,
      );
    }
    this.open.set(name, []);
  }

  /** Holds `frame` until the transaction ends; refuses more than `maxTransactionFrames` in one. */
  enlist(name: string, frame: StompFrame): void {
    const frames = this.open.get(name);
    if (!frames) throw new Refusal('unknown-transaction', `no open transaction ${name}`);
    if (frames.length >= this.limits.maxTransactionFrames) {
      throw new Refusal(
        'transaction-too-large',
        `more than ${this.limits.maxTransactionFrames} frames in transaction ${name}`,
      );
    }
    frames.push(frame);
  }

  /** COMMIT or ABORT: closes the transaction and returns its frames in the order they came. */
  end(name: string): StompFrame[] {
    const frames = this.open.get(name);
    if (!frames) throw new Refusal('unknown-transaction', `no open transaction ${name}`);
    this.open.delete(name);
    return frames;
  }

  /** Aborts every open transaction (the session is closing). */
  clear(): void {
    this.open.clear();
  }
}
