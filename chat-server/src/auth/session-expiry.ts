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

/**
 * Ends each STOMP session when its access token stops being accepted (`exp` plus
 * AUTH_CLOCK_TOLERANCE_SECONDS): ERROR `token-expired`, then the socket closes, so a session
 * cannot go on sending and subscribing on a token REST would refuse. The client signs in again
 * and reconnects with a fresh token.
 *
 * One timer for every session of the process, set for the earliest deadline (a sweep once a
 * second let a session send for up to a second on a token REST already refused): a session costs
 * one map entry, and the map is walked only when a deadline has come.
 */
@StompController()
@Injectable()
export class SessionExpiry implements OnModuleDestroy {
  private readonly logger = new Logger('SessionExpiry');
  /** Connected sessions and when their token expires (epoch seconds). */
  private readonly deadlines = new Map<StompSession<ChatPrincipal>, number>();
  /** No deadline in `deadlines` is earlier than this; the timer is set for it. */
  private nextDue = Infinity;
  private timer: NodeJS.Timeout | undefined;

  @OnConnect()
  connected(session: StompSession<ChatPrincipal>): void {
    const validUntil = session.principal.validUntil;
    this.deadlines.set(session, validUntil);
    // A token that lapsed between CONNECT and now ends at once.
    if (validUntil <= nowSeconds()) this.endExpired();
    else if (validUntil < this.nextDue) this.wakeAt(validUntil);
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
    if (next === Infinity) this.stop();
    else this.wakeAt(next);
  }

  /** Sets the one timer for `deadline` (epoch seconds; the token is refused from its first millisecond). */
  private wakeAt(deadline: number): void {
    clearTimeout(this.timer);
    this.nextDue = deadline;
    // A timer waits at most 2^31 - 1 ms; a later deadline is looked at again then.
    const wait = Math.min(Math.max(0, deadline * 1000 - Date.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.endExpired(), wait);
    this.timer.unref();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.nextDue = Infinity;
  }
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
