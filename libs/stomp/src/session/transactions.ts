import type { StompFrame } from '../frame/frame';
import { Refusal } from './refusal';

export interface TransactionLimits {
  maxTransactions: number;
  maxTransactionFrames: number;
  maxTransactionBytes: number;
}

/**
 * What holding `frame` costs: its body and header bytes as UTF-8 (a close bound of its size on
 * the wire; a header of 3-byte characters is 3 bytes each, not one UTF-16 unit).
 */
export function heldBytes(frame: StompFrame): number {
  let bytes = frame.body.length + frame.command.length;
  for (const name in frame.headers) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(frame.headers[name]) + 2;
  }
  return bytes;
}

/** One open transaction: its frames in order, and what they cost together (`heldBytes`). */
interface OpenTransaction {
  readonly frames: StompFrame[];
  bytes: number;
}

/**
 * The open transactions of one session: the SEND, ACK and NACK frames enlisted in each, held
 * until COMMIT hands them back to be run in order, or ABORT drops them. What they hold is bounded
 * three ways — open transactions, frames per transaction, and bytes across all of them — so a
 * client that never commits cannot grow the server's memory.
 */
export class Transactions {
  /** Made by the first BEGIN: most sessions never open one, and an empty Map costs ~130 B. */
  private open: Map<string, OpenTransaction> | undefined;
  private bytes = 0;

  constructor(private readonly limits: TransactionLimits) {}

  /** Bytes held by every open transaction of the session. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** BEGIN: refuses a name already open and more than `maxTransactions` at once. */
  begin(name: string): void {
    const open = (this.open ??= new Map());
    if (open.has(name)) throw new Refusal('duplicate-transaction', `transaction ${name} is already open`);
    if (open.size >= this.limits.maxTransactions) {
      throw new Refusal(
        'too-many-transactions',
        `more than ${this.limits.maxTransactions} open transactions`,
      );
    }
    open.set(name, { frames: [], bytes: 0 });
  }

  /**
   * Holds `frame` until the transaction ends; refuses more than `maxTransactionFrames` in one,
   * and a frame that would take the session's open transactions past `maxTransactionBytes`.
   */
  enlist(name: string, frame: StompFrame): void {
    const transaction = this.open?.get(name);
    if (!transaction) throw new Refusal('unknown-transaction', `no open transaction ${name}`);
    if (transaction.frames.length >= this.limits.maxTransactionFrames) {
      throw new Refusal(
        'transaction-too-large',
        `more than ${this.limits.maxTransactionFrames} frames in transaction ${name}`,
      );
    }
    const size = heldBytes(frame);
    if (this.bytes + size > this.limits.maxTransactionBytes) {
      throw new Refusal(
        'transaction-too-large',
        `open transactions would hold more than ${this.limits.maxTransactionBytes} bytes`,
      );
    }
    this.bytes += size;
    transaction.bytes += size;
    transaction.frames.push(frame);
  }

  /** COMMIT or ABORT: closes the transaction and returns its frames in the order they came. */
  end(name: string): StompFrame[] {
    const transaction = this.open?.get(name);
    if (!transaction) throw new Refusal('unknown-transaction', `no open transaction ${name}`);
    this.open!.delete(name);
    this.bytes -= transaction.bytes; // kept per transaction: no frame is measured twice
    return transaction.frames;
  }

  /** Aborts every open transaction (the session is closing). */
  clear(): void {
    this.open = undefined;
    this.bytes = 0;
  }
}
