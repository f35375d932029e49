import { StompProtocolError, type StompFrame } from '@playlist-chat/stomp';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeats, type HeartbeatOwner } from '../src/session/heartbeats';
import { InboundQueue, type InboundOwner } from '../src/session/inbound-queue';
import type { Refusal } from '../src/session/refusal';

/** A session as heart-beats see it: open until a test says otherwise. */
class FakeHeartbeatOwner implements HeartbeatOwner {
  isOpen = true;
  lastOutboundAt = Date.now();
  readonly refusals: Refusal[] = [];
  heartbeatTimedOut(refusal: Refusal): void {
    this.refusals.push(refusal);
  }
}

describe('Heartbeats (with its owner)', () => {
  let sent: unknown[];
  let owner: FakeHeartbeatOwner;
  let heartbeats: Heartbeats;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    owner = new FakeHeartbeatOwner();
    heartbeats = new Heartbeats({ send: (data: unknown) => void sent.push(data), isPaused: false }, owner);
  });
  afterEach(() => {
    heartbeats.stop();
    vi.useRealTimers();
  });

  it('sends an EOL every agreed interval while nothing else is sent', () => {
    heartbeats.start({ sendEveryMs: 100, expectEveryMs: 0 });
    vi.advanceTimersByTime(99);
    expect(sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(1);
    expect(Buffer.from(sent[0] as Buffer).toString()).toBe('\n');
    vi.advanceTimersByTime(300);
    expect(sent).toHaveLength(4);
  });

  it('re-arms from the last send: a session that sent something meanwhile gets no EOL', () => {
    heartbeats.start({ sendEveryMs: 100, expectEveryMs: 0 });
    vi.advanceTimersByTime(60);
    owner.lastOutboundAt = Date.now(); // a MESSAGE went out at 60 ms
    vi.advanceTimersByTime(99); // 159 ms: the timer fired at 100 and re-armed for 160
    expect(sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(1);
  });

  it('ends a session silent for more than twice the agreed interval, and not one that spoke', () => {
    heartbeats.start({ sendEveryMs: 0, expectEveryMs: 50 });
    vi.advanceTimersByTime(80);
    heartbeats.lastInboundAt = Date.now(); // a heart-beat arrived at 80 ms
    vi.advanceTimersByTime(100); // 180 ms: 100 ms since it, exactly the allowance
    expect(owner.refusals).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(owner.refusals).toHaveLength(1);
    expect(owner.refusals[0].code).toBe('heart-beat-timeout');
    expect(owner.refusals[0].message).toBe('no heart-beat or frame for 101 ms (agreed 50 ms)');
    expect(sent).toHaveLength(0);
  });

  it('counts no silence while the server has paused reading (the heart-beats wait unread)', () => {
    const socket = { send: (data: unknown) => void sent.push(data), isPaused: false };
    heartbeats.stop();
    heartbeats = new Heartbeats(socket, owner);
    heartbeats.start({ sendEveryMs: 0, expectEveryMs: 50 });
    socket.isPaused = true;
    vi.advanceTimersByTime(1_000);
    expect(owner.refusals).toHaveLength(0);
    socket.isPaused = false;
    heartbeats.lastInboundAt = Date.now(); // the session does this on resume
    vi.advanceTimersByTime(100);
    expect(owner.refusals).toHaveLength(0);
    vi.advanceTimersByTime(2);
    expect(owner.refusals).toHaveLength(1);
  });

  it('does nothing once its session left the connected state', () => {
    heartbeats.start({ sendEveryMs: 100, expectEveryMs: 50 });
    owner.isOpen = false;
    vi.advanceTimersByTime(1_000);
    expect(sent).toHaveLength(0);
    expect(owner.refusals).toHaveLength(0);
  });

  it('stop() clears both timers', () => {
    heartbeats.start({ sendEveryMs: 100, expectEveryMs: 50 });
    heartbeats.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(sent).toHaveLength(0);
    expect(owner.refusals).toHaveLength(0);
  });

  it('arms no timer for a direction that was not agreed', () => {
    heartbeats.start({ sendEveryMs: 0, expectEveryMs: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

const frame = (command: string): StompFrame => ({ command, headers: {}, body: Buffer.alloc(0) });

/** A session as the inbound queue sees it; each frame's work waits until the test releases it. */
class FakeInboundOwner implements InboundOwner {
  acceptingFrames = true;
  outputBacklogged = false;
  readonly maxQueuedFrames = 100;
  readonly started: string[] = [];
  readonly errors: StompProtocolError[] = [];
  resumed = 0;
  overflowed = 0;
  private readonly gates: (() => void)[] = [];

  async outputDrained(): Promise<void> {
    while (this.outputBacklogged && this.acceptingFrames) await new Promise((r) => setTimeout(r, 10));
  }

  readingResumed(): void {
    this.resumed += 1;
  }

  queueOverflowed(): void {
    this.overflowed += 1;
    this.acceptingFrames = false;
  }

  handleFrame(frame: StompFrame): Promise<void> {
    this.started.push(frame.command);
    return new Promise((resolve) => this.gates.push(resolve));
  }

  handleStreamError(error: StompProtocolError): void {
    this.errors.push(error);
  }

  /** Lets the frame being handled finish, and the queue take the next. */
  async finishOne(): Promise<void> {
    this.gates.shift()?.();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

describe('InboundQueue (with its owner)', () => {
  let owner: FakeInboundOwner;
  let socket: string[];
  let queue: InboundQueue;
  beforeEach(() => {
    owner = new FakeInboundOwner();
    socket = [];
    queue = new InboundQueue(
      { pause: () => void socket.push('pause'), resume: () => void socket.push('resume') },
      owner,
    );
  });

  it('handles frames one at a time, in order', async () => {
    queue.push(frame('A'));
    queue.push(frame('B'));
    expect(owner.started).toEqual(['A']);
    await owner.finishOne();
    expect(owner.started).toEqual(['A', 'B']);
    await owner.finishOne();
    expect(owner.started).toEqual(['A', 'B']);
  });

  it('reports a stream error in its turn, and handles nothing after it', async () => {
    const error = new StompProtocolError('malformed-frame', 'bad bytes');
    queue.push(frame('A'));
    queue.push(error);
    queue.push(frame('B'));
    expect(owner.errors).toEqual([]);
    await owner.finishOne();
    expect(owner.errors).toEqual([error]);
    expect(owner.started).toEqual(['A']);
  });

  it('takes nothing more once its session stops accepting frames', async () => {
    queue.push(frame('A'));
    queue.push(frame('B'));
    owner.acceptingFrames = false;
    await owner.finishOne();
    expect(owner.started).toEqual(['A']);
  });

  it('pauses the socket with 32 frames waiting and resumes it once they are handled', async () => {
    for (let i = 0; i < 33; i++) queue.push(frame(`F${i}`));
    expect(socket).toEqual(['pause']);
    for (let i = 0; i < 33; i++) await owner.finishOne();
    expect(owner.started).toHaveLength(33);
    expect(socket).toEqual(['pause', 'resume']);
    expect(owner.resumed).toBe(1);
  });

  it('tells its owner once more than its limit of frames wait (reading paused or not)', () => {
    for (let i = 0; i < 101; i++) queue.push(frame(`F${i}`));
    expect(owner.overflowed).toBe(0);
    queue.push(frame('F101'));
    expect(owner.overflowed).toBe(1);
  });

  it('stops reading while its session’s output is backlogged, and handles the next frame after', async () => {
    vi.useFakeTimers();
    try {
      queue.push(frame('A'));
      queue.push(frame('B'));
      owner.outputBacklogged = true;
      await owner.finishOne();
      expect(socket).toEqual(['pause']);
      await vi.advanceTimersByTimeAsync(50);
      expect(owner.started).toEqual(['A']);
      owner.outputBacklogged = false;
      await vi.advanceTimersByTimeAsync(10);
      expect(socket).toEqual(['pause', 'resume']);
      expect(owner.started).toEqual(['A', 'B']);
    } finally {
      vi.useRealTimers();
    }
  });
});
