import type { WebSocket } from 'ws';
import type { StompFrame } from '../frame/frame';
import { StompProtocolError } from '../frame/protocol-error';

/** Inbound frames queued behind a slow handler before the socket stops being read. */
const PAUSE_AT_QUEUED_FRAMES = 32;

type QueueItem = StompFrame | StompProtocolError;

/**
 * What the queue needs from its session. The session itself implements it: one reference per
 * queue instead of a closure per callback keeps an idle session small (memory per connection).
 */
export interface InboundOwner {
  /** False once the session is closing: nothing more is taken from the queue. */
  readonly acceptingFrames: boolean;
  /** Frames that may wait; past it the session ends (`queueOverflowed`). At least 32. */
  readonly maxQueuedFrames: number;
  /** True while the session's unsent output is too large to take on more work. */
  readonly outputBacklogged: boolean;
  /** Settles once the output is no longer backlogged, or the session ended. */
  outputDrained(): Promise<unknown>;
  /** The socket is read again after a pause. */
  readingResumed(): void;
  /** More frames wait than the session allows: it ends. */
  queueOverflowed(): void;
  /** Runs one frame; the next one starts when the promise settles. */
  handleFrame(frame: StompFrame): Promise<void>;
  /** The stream is broken at this point; nothing after it is handled. */
  handleStreamError(error: StompProtocolError): void;
}

/**
 * What the parser reported for one session, handled strictly in arrival order and one at a
 * time: a frame's work (handlers included) settles before the next frame starts. A parser error
 * waits its turn too, so frames before the bad bytes are still answered first. With
 * `PAUSE_AT_QUEUED_FRAMES` waiting the socket is paused until the queue drains, so a client
 * cannot make the server buffer an unbounded backlog behind a slow handler. Likewise, while the
 * session's output is backlogged (the client is not reading what it asked for, e.g. RECEIPTs of
 * pipelined frames) no further frame is handled and the socket is not read. What was read before
 * the pause is still parsed (ws emits every message of a chunk, and a message is parsed whole),
 * so the queue is also capped: past `maxQueuedFrames` the owner is told and ends the session.
 */
export class InboundQueue {
  private readonly items: QueueItem[] = [];
  private draining = false;
  private pausedForQueue = false;
  private pausedForOutput = false;

  constructor(
    private readonly ws: Pick<WebSocket, 'pause' | 'resume'>,
    private readonly owner: InboundOwner,
  ) {}

  push(item: QueueItem): void {
    const items = this.items;
    items.push(item);
    if (items.length >= PAUSE_AT_QUEUED_FRAMES) this.crowded();
    if (!this.draining) void this.drain();
  }

  /**
   * Drops everything still waiting (the session is closing) and reads the socket again: a paused
   * socket would never read the client's reply to our close frame, and ws would hold the
   * connection for its 30 s close timeout. What arrives meanwhile is ignored by the session.
   */
  clear(): void {
    this.items.length = 0;
    if (this.pausedForQueue || this.pausedForOutput) {
      this.pausedForQueue = this.pausedForOutput = false;
      this.ws.resume();
    }
  }

  private crowded(): void {
    if (this.items.length > this.owner.maxQueuedFrames) {
      this.owner.queueOverflowed(); // the session closes, which clears the queue
      return;
    }
    if (!this.pausedForQueue) {
      this.pausedForQueue = true;
      if (!this.pausedForOutput) this.ws.pause();
    }
  }

  private resume(): void {
    this.ws.resume();
    this.owner.readingResumed();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    const owner = this.owner;
    try {
      while (this.items.length > 0 && owner.acceptingFrames) {
        const item = this.items.shift()!;
        if (item instanceof StompProtocolError) {
          owner.handleStreamError(item);
          break;
        }
        await owner.handleFrame(item);
        if (owner.outputBacklogged) await this.waitForOutput();
        if (this.pausedForQueue && this.items.length === 0 && owner.acceptingFrames) {
          this.pausedForQueue = false;
          if (!this.pausedForOutput) this.resume();
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async waitForOutput(): Promise<void> {
    const owner = this.owner;
    this.pausedForOutput = true;
    if (!this.pausedForQueue) this.ws.pause();
    await owner.outputDrained();
    this.pausedForOutput = false;
    if (!this.pausedForQueue && owner.acceptingFrames) this.resume();
  }
}
