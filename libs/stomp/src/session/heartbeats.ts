import type { WebSocket } from 'ws';
import { HEARTBEAT_FRAME } from '../frame/frame-encoder';
import type { AgreedHeartbeat } from './negotiation';
import { Refusal } from './refusal';

const TEXT = { binary: false } as const;

/**
 * The heart-beats of one session, both ways, once CONNECT has agreed them. Outgoing: an EOL
 * whenever nothing else was sent for the agreed interval, on a `setTimeout` chain re-armed from
 * the last send (so a busy session gets none). Incoming: a check re-armed from the last inbound
 * WebSocket message (any message counts) that ends the session after twice the agreed interval
 * of silence. Timers are `unref`'d; `stop()` clears them.
 */
export class Heartbeats {
  /** Time of the last inbound WebSocket message; the session sets it. */
  lastInboundAt = Date.now();
  /** Time of the last frame sent; the session sets it on every send. */
  lastOutboundAt = Date.now();
  private sendTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: Pick<WebSocket, 'send'>,
    /** Timers that fire after the session left the connected state do nothing. */
    private readonly isConnected: () => boolean,
    /** The client went silent: the session ends with this `heart-beat-timeout` refusal. */
    private readonly timedOut: (refusal: Refusal) => void,
  ) {}

  start(agreed: AgreedHeartbeat): void {
    if (agreed.sendEveryMs > 0) this.scheduleHeartbeat(agreed.sendEveryMs, agreed.sendEveryMs);
    if (agreed.expectEveryMs > 0)
      this.scheduleSilenceCheck(agreed.expectEveryMs * 2, agreed.expectEveryMs * 2 + 1);
  }

  stop(): void {
    clearTimeout(this.sendTimer);
    clearTimeout(this.checkTimer);
  }

  private scheduleHeartbeat(interval: number, delay: number): void {
    this.sendTimer = setTimeout(() => {
      if (!this.isConnected()) return;
      const now = Date.now();
      const idle = now - this.lastOutboundAt;
      if (idle >= interval) {
        this.ws.send(HEARTBEAT_FRAME, TEXT);
        this.lastOutboundAt = now;
        this.scheduleHeartbeat(interval, interval);
      } else {
        this.scheduleHeartbeat(interval, interval - idle);
      }
    }, delay);
    this.sendTimer.unref();
  }

  private scheduleSilenceCheck(allowed: number, delay: number): void {
    this.checkTimer = setTimeout(() => {
      if (!this.isConnected()) return;
      const silent = Date.now() - this.lastInboundAt;
      if (silent > allowed) {
        this.timedOut(
          new Refusal(
            'heart-beat-timeout',
            `no heart-beat or frame for ${silent} ms (agreed ${allowed / 2} ms)`,
          ),
        );
      } else {
        this.scheduleSilenceCheck(allowed, allowed - silent + 1);
      }
    }, delay);
    this.checkTimer.unref();
  }
}
