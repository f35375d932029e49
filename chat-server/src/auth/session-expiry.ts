import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  OnConnect,
  OnDisconnect,
  StompController,
  StompError,
  type StompSession,
} from '@playlist-chat/stomp';
import { CHAT_ERRORS } from '../errors/chat-error';
import type { ChatPrincipal } from './chat-principal';

/** How often due sessions are looked for: a session ends at most this long after its token. */
export const EXPIRY_SWEEP_MS = 1_000;

/**
 * Ends each STOMP session when its access token stops being accepted (`exp` plus
 * AUTH_CLOCK_TOLERANCE_SECONDS): ERROR `token-expired`, then the socket closes, so a session
 * cannot go on sending and subscribing on a token REST would refuse. The client signs in again
 * and reconnects with a fresh token.
 *
 * One sweep for every session of the process, not a timer each: a session costs one map entry
 * (a small integer per session), and the map is walked only when the earliest deadline has come.
 */
@StompController()
@Injectable()
export class SessionExpiry implements OnModuleDestroy {
  private readonly logger = new Logger('SessionExpiry');
  /** Connected sessions and when their token expires (epoch seconds). */
  private readonly deadlines = new Map<StompSession<ChatPrincipal>, number>();
  /** No deadline in `deadlines` is earlier than this. */
  private nextDue = Infinity;
  private sweep: NodeJS.Timeout | undefined;

  @OnConnect()
  connected(session: StompSession<ChatPrincipal>): void {
    const validUntil = session.principal.validUntil;
    this.deadlines.set(session, validUntil);
    this.nextDue = Math.min(this.nextDue, validUntil);
    if (!this.sweep) {
      this.sweep = setInterval(() => this.endExpired(), EXPIRY_SWEEP_MS);
      this.sweep.unref();
    }
    // A token that lapsed between CONNECT and now ends at once rather than at the next sweep.
    if (validUntil <= nowSeconds()) this.endExpired();
  }

  @OnDisconnect()
  disconnected(session: StompSession<ChatPrincipal>): void {
    this.deadlines.delete(session);
    if (this.deadlines.size === 0) this.stop();
  }

  onModuleDestroy(): void {
    this.stop();
  }

  private endExpired(): void {
    const now = nowSeconds();
    if (now < this.nextDue) return;
    let next = Infinity;
    for (const [session, validUntil] of this.deadlines) {
      if (validUntil > now) {
        next = Math.min(next, validUntil);
        continue;
      }
      this.deadlines.delete(session);
      this.logger.log(`session ${session.id} of ${session.userKey}: access token expired; closing`);
      session.end(new StompError('token-expired', CHAT_ERRORS['token-expired'].message));
    }
    this.nextDue = next;
  }

  private stop(): void {
    clearInterval(this.sweep);
    this.sweep = undefined;
    this.nextDue = Infinity;
  }
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
