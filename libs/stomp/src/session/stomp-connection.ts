import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { RawData, WebSocket } from 'ws';
import type {
  SendContext,
  SubscribeContext,
  SubscribeResult,
  UnsubscribeContext,
} from '../api/handler-contexts';
import type { StompErrorCode } from '../api/error-codes';
import { StompError } from '../api/stomp-error';
import type { StompSession } from '../api/stomp-session';
import type { StompFrame, StompVersion } from '../frame/frame';
import { encodeFrame, HEARTBEAT_FRAME } from '../frame/frame-encoder';
import { FrameParser, type FrameSink } from '../frame/frame-parser';
import { MessageTemplate } from '../frame/message-template';
import { StompProtocolError } from '../frame/protocol-error';
import type { StompLimits } from '../limits';
import { compareSequence } from '../routing/sequence';
import type { SubscriptionIndex } from '../routing/subscription-index';
import type { StompHandlers } from '../server/stomp-handlers';
import { negotiateHeartbeat, negotiateVersion, type HeartbeatOffer } from './negotiation';
import { ACK_MODES, Subscription, type AckMode, type Subscriber } from './subscription';
import { quoteClientText } from '../frame/quote-client-text';

/** What a connection needs from the server that owns it. */
export interface ConnectionEnvironment {
  readonly handlers: StompHandlers;
  readonly limits: StompLimits;
  readonly heartbeat: HeartbeatOffer;
  readonly serverName: string;
  readonly index: SubscriptionIndex;
  readonly logger: LoggerService;
  nextMessageId(): string;
  nextSessionId(): string;
  /** CONNECTED was sent: the session is now visible to the broker. */
  connected(connection: StompConnection): void;
  /** The socket is gone; called once. */
  ended(connection: StompConnection): void;
}

const enum State {
  AwaitingConnect,
  Connected,
  Closing,
  Closed,
}

type QueueItem = StompFrame | StompProtocolError;

/** Refusal with a code from the library's catalogue. */
class Refusal extends StompError {
  constructor(
    code: StompErrorCode,
    message: string,
    readonly extraHeaders: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;
/** Inbound frames queued behind a slow handler before the socket stops being read. */
const PAUSE_AT_QUEUED_FRAMES = 32;
const SUPPORTED_VERSIONS = '1.2,1.1,1.0';

/**
 * One STOMP session over one WebSocket: the protocol state machine. Frames are handled strictly
 * in arrival order, one at a time (a handler's promise settles before the next frame starts).
 * Any ERROR is followed by closing the socket, as STOMP requires.
 */
export class StompConnection implements StompSession<unknown>, FrameSink, Subscriber {
  id: string;
  principal: unknown = null;
  userKey = '';
  version: StompVersion = '1.2';
  connectedAt = new Date(0);
  readonly remoteAddress: string;

  private state = State.AwaitingConnect;
  private readonly parser: FrameParser;
  private readonly queue: QueueItem[] = [];
  private draining = false;
  private paused = false;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly transactions = new Map<string, StompFrame[]>();
  private nextAck = 0;
  private versionAgreed = false;
  private lastInboundAt = Date.now();
  private lastOutboundAt = Date.now();
  private connectTimer: NodeJS.Timeout | undefined;
  private sendTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly request: IncomingMessage,
    private readonly env: ConnectionEnvironment,
  ) {
    this.id = env.nextSessionId();
    this.remoteAddress = request.socket.remoteAddress ?? '';
    this.parser = new FrameParser(this, env.limits);
    this.parser.version = '1.0'; // until CONNECT: frames other than CONNECT are refused anyway, undecoded
    ws.on('message', (data) => this.onMessage(data));
    ws.once('close', () => this.onClose());
    ws.on('error', (error) => {
      env.logger.debug?.(`session ${this.id}: socket error ${error.message}`, 'Stomp');
    });
    this.connectTimer = setTimeout(() => {
      if (this.state === State.AwaitingConnect)
        this.fail(
          new Refusal('connect-timeout', `no CONNECT frame within ${env.limits.connectTimeoutMs} ms`),
        );
    }, env.limits.connectTimeoutMs);
    this.connectTimer.unref();
  }

  /** True while the session can receive MESSAGEs. */
  get isOpen(): boolean {
    return this.state === State.Connected;
  }

  /** Subscriptions of this session (including those whose authorizer is still running). */
  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  close(reason: string): void {
    this.fail(new Refusal('closed', reason));
  }

  /** Ends the session for a server shutdown: ERROR, then close. */
  shutdown(): void {
    this.fail(new Refusal('server-shutting-down', 'server shutting down'), undefined, 1001);
  }

  terminate(): void {
    this.release();
    this.ws.terminate();
  }

  // ---- fan-out (hot path) ----

  deliver(subscription: Subscription, message: MessageTemplate, now: number): void {
    if (subscription.held !== undefined) {
      if (subscription.held.length >= this.env.limits.maxHeldMessages) {
        this.dropSlowConsumer(
          `more than ${this.env.limits.maxHeldMessages} messages held while the subscription was authorized`,
        );
      } else {
        subscription.held.push(message);
      }
      return;
    }
    this.write(subscription, message, now);
  }

  private write(subscription: Subscription, message: MessageTemplate, now: number): void {
    if (this.state !== State.Connected) return;
    if (this.ws.bufferedAmount > this.env.limits.maxBufferedBytes) {
      this.dropSlowConsumer(`more than ${this.env.limits.maxBufferedBytes} bytes waiting to be sent`);
      return;
    }
    let frame: Buffer;
    const unacked = subscription.unacked;
    if (unacked === undefined) {
      frame = message.frameFor(subscription);
    } else {
      if (unacked.size >= this.env.limits.maxUnackedMessages) {
        this.fail(
          new Refusal(
            'too-many-unacked',
            `more than ${this.env.limits.maxUnackedMessages} messages not acknowledged`,
          ),
        );
        return;
      }
      if (this.version === '1.2') {
        const ackId = String((this.nextAck += 1));
        unacked.add(ackId);
        frame = message.frameWithAck(subscription, ackId);
      } else {
        unacked.add(message.messageId); // 1.0/1.1 clients acknowledge by message-id
        frame = message.frameFor(subscription);
      }
    }
    this.ws.send(frame, message.binary ? BINARY : TEXT);
    this.lastOutboundAt = now;
  }

  private dropSlowConsumer(reason: string): void {
    if (this.state !== State.Connected) return;
    this.env.logger.warn(
      `session ${this.id} (${this.userKey}) dropped as a slow consumer: ${reason}`,
      'Stomp',
    );
    this.release();
    try {
      this.ws.send(
        this.errorFrame(new Refusal('slow-consumer', `slow consumer: ${reason}`), undefined),
        TEXT,
      );
    } catch {
      // best effort: the socket is being dropped anyway
    }
    this.ws.terminate();
  }

  // ---- inbound ----

  private onMessage(data: RawData): void {
    if (this.state >= State.Closing) return;
    this.lastInboundAt = Date.now();
    const chunk = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    this.parser.push(chunk);
  }

  /** FrameSink: runs synchronously inside the parser. */
  frame(frame: StompFrame): void {
    if ((frame.command === 'CONNECT' || frame.command === 'STOMP') && this.state === State.AwaitingConnect) {
      // Negotiate now, not when the queue reaches it: frames pipelined behind CONNECT in the
      // same chunk are decoded with this version's escaping rules.
      const version = negotiateVersion(frame.headers['accept-version']);
      if (version) this.parser.version = version;
    }
    this.enqueue(frame);
  }

  heartbeat(): void {
    // Any inbound byte already counts as activity (see onMessage).
  }

  error(error: StompProtocolError): void {
    this.enqueue(error);
  }

  private enqueue(item: QueueItem): void {
    this.queue.push(item);
    if (this.queue.length >= PAUSE_AT_QUEUED_FRAMES && !this.paused) {
      this.paused = true;
      this.ws.pause();
    }
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0 && this.state < State.Closing) {
        const item = this.queue.shift()!;
        if (item instanceof StompProtocolError) {
          this.fail(new Refusal(item.code, item.message));
          break;
        }
        await this.handle(item);
        if (this.paused && this.queue.length === 0 && this.state < State.Closing) {
          this.paused = false;
          this.ws.resume();
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async handle(frame: StompFrame): Promise<void> {
    const receipt = frame.headers.receipt;
    try {
      if (this.state === State.AwaitingConnect) {
        if (frame.command !== 'CONNECT' && frame.command !== 'STOMP') {
          throw new Refusal(
            'not-connected',
            `expected a CONNECT or STOMP frame first, got ${quoteClientText(frame.command)}`,
          );
        }
        await this.connect(frame);
        return;
      }
      const done = await this.dispatch(frame, frame.headers.transaction);
      if (this.state !== State.Connected) return;
      if (receipt !== undefined) this.sendFrame('RECEIPT', { 'receipt-id': receipt });
      if (done === 'disconnect') this.closeSocket(1000, 'DISCONNECT');
    } catch (error) {
      this.fail(error, receipt);
    }
  }

  /** Runs one frame; `transaction` is the frame's own header, absent when a COMMIT replays it. */
  private async dispatch(frame: StompFrame, transaction: string | undefined): Promise<'disconnect' | void> {
    switch (frame.command) {
      case 'SEND':
        if (transaction !== undefined) return this.enlist(transaction, frame);
        return this.send(frame);
      case 'SUBSCRIBE':
        return this.subscribe(frame);
      case 'UNSUBSCRIBE':
        return this.unsubscribe(frame);
      case 'ACK':
      case 'NACK':
        if (transaction !== undefined) return this.enlist(transaction, frame);
        return this.acknowledge(frame);
      case 'BEGIN': {
        const name = required(frame, 'transaction');
        if (this.transactions.has(name))
          throw new Refusal('duplicate-transaction', `transaction ${name} is already open`);
        if (this.transactions.size >= this.env.limits.maxTransactions) {
          throw new Refusal(
            'too-many-transactions',
            `more than ${this.env.limits.maxTransactions} open transactions`,
          );
        }
        this.transactions.set(name, []);
        return;
      }
      case 'COMMIT': {
        const frames = this.takeTransaction(required(frame, 'transaction'));
        for (const enlisted of frames) {
          await this.dispatch(enlisted, undefined);
          if (this.state !== State.Connected) return;
        }
        return;
      }
      case 'ABORT':
        this.takeTransaction(required(frame, 'transaction'));
        return;
      case 'DISCONNECT':
        return 'disconnect';
      case 'CONNECT':
      case 'STOMP':
        throw new Refusal('already-connected', 'this session is already connected');
      default:
        throw new Refusal('unknown-command', `unknown command ${quoteClientText(frame.command)}`);
    }
  }

  // ---- CONNECT ----

  private async connect(frame: StompFrame): Promise<void> {
    clearTimeout(this.connectTimer);
    const version = negotiateVersion(frame.headers['accept-version']);
    if (!version) {
      throw new Refusal('unsupported-version', `supported protocol versions are ${SUPPORTED_VERSIONS}`, {
        version: SUPPORTED_VERSIONS,
      });
    }
    this.version = version;
    this.versionAgreed = true;
    const heartbeat = negotiateHeartbeat(frame.headers['heart-beat'], this.env.heartbeat);
    if (!heartbeat)
      throw new Refusal(
        'invalid-heart-beat',
        `heart-beat header ${quoteClientText(frame.headers['heart-beat'] ?? '')} is not "<cx>,<cy>"`,
      );
    // STOMP 1.2 makes `host` mandatory; one endpoint serves one virtual host, so any value is accepted.
    const authenticator = this.env.handlers.authenticator;
    if (authenticator) {
      this.principal = await authenticator.authenticate(frame.headers, this.request);
      if (this.state !== State.AwaitingConnect) return; // the socket went away meanwhile
      this.userKey = authenticator.userKey(this.principal);
    } else {
      this.userKey = this.id;
    }
    this.connectedAt = new Date();
    this.state = State.Connected;
    this.sendFrame('CONNECTED', {
      version,
      'heart-beat': `${this.env.heartbeat.outgoingMs},${this.env.heartbeat.incomingMs}`,
      server: this.env.serverName,
      session: this.id,
    });
    this.env.connected(this);
    this.startHeartbeats(heartbeat.sendEveryMs, heartbeat.expectEveryMs);
    for (const hook of this.env.handlers.connectHooks) {
      await hook(this);
      if (this.state !== State.Connected) return;
    }
  }

  // ---- SEND ----

  private async send(frame: StompFrame): Promise<void> {
    const destination = required(frame, 'destination');
    const route = this.env.handlers.send.match(destination);
    if (!route) throw new Refusal('unknown-destination', `no handler for SEND to ${destination}`);
    const context: SendContext = {
      session: this,
      destination,
      params: route.params,
      headers: frame.headers,
      body: frame.body,
      text: () => frame.body.toString('utf8'),
      json: <T>() => {
        try {
          return JSON.parse(frame.body.toString('utf8')) as T;
        } catch (error) {
          throw new StompError(
            'invalid-json',
            'body is not valid JSON',
            error instanceof Error ? error.message : undefined,
          );
        }
      },
    };
    await route.handler(context);
  }

  // ---- SUBSCRIBE / UNSUBSCRIBE ----

  private async subscribe(frame: StompFrame): Promise<void> {
    const destination = required(frame, 'destination');
    const id = this.version === '1.0' ? (frame.headers.id ?? destination) : required(frame, 'id');
    if (this.subscriptions.has(id))
      throw new Refusal(
        'duplicate-subscription',
        `subscription id ${id} is already in use on this connection`,
      );
    if (this.subscriptions.size >= this.env.limits.maxSubscriptionsPerSession) {
      throw new Refusal(
        'too-many-subscriptions',
        `more than ${this.env.limits.maxSubscriptionsPerSession} subscriptions`,
      );
    }
    const ack = (frame.headers.ack ?? 'auto') as AckMode;
    if (!ACK_MODES.includes(ack))
      throw new Refusal('invalid-header', `ack must be one of ${ACK_MODES.join(', ')}`);
    const isUserDestination = destination.startsWith('/user/');
    const route = this.env.handlers.subscribe.match(destination);
    if (!route && !isUserDestination)
      throw new Refusal('unknown-destination', `no subscriptions allowed to ${destination}`);

    const subscription = new Subscription(
      this,
      id,
      destination,
      ack,
      this.version,
      isUserDestination ? this.userKey : undefined,
    );
    if (!route) {
      this.addSubscription(subscription);
      return;
    }
    // Indexed before the authorizer runs, so nothing published meanwhile is lost: it is held
    // and sent after the replay (see SubscribeResult).
    subscription.held = [];
    this.addSubscription(subscription);
    let result: void | SubscribeResult;
    try {
      const context: SubscribeContext = {
        session: this,
        destination,
        params: route.params,
        headers: frame.headers,
        subscriptionId: id,
      };
      result = await route.handler(context);
    } catch (error) {
      this.removeSubscription(subscription);
      throw error;
    }
    if (this.state !== State.Connected) return;
    this.goLive(subscription, result?.replay ?? []);
  }

  private goLive(subscription: Subscription, replay: NonNullable<SubscribeResult['replay']>): void {
    const held = subscription.held ?? [];
    subscription.held = undefined;
    const now = Date.now();
    let lastSequence: string | undefined;
    for (const message of replay) {
      this.write(
        subscription,
        new MessageTemplate(subscription.destination, this.env.nextMessageId(), message, message.sequence),
        now,
      );
      if (message.sequence !== undefined) lastSequence = message.sequence;
    }
    for (const message of held) {
      if (
        lastSequence !== undefined &&
        message.sequence !== undefined &&
        compareSequence(message.sequence, lastSequence) <= 0
      )
        continue;
      this.write(subscription, message, now);
    }
  }

  /** Removes the subscription first, then runs the matching `@OnUnsubscribe` (if any). */
  private async unsubscribe(frame: StompFrame): Promise<void> {
    const id = this.version === '1.0' ? (frame.headers.id ?? frame.headers.destination) : frame.headers.id;
    if (id === undefined) throw new Refusal('missing-header', 'UNSUBSCRIBE requires an id header');
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw new Refusal('unknown-subscription', `no subscription with id ${id}`);
    this.removeSubscription(subscription);
    const route = this.env.handlers.unsubscribe.match(subscription.destination);
    if (!route) return;
    const context: UnsubscribeContext = {
      session: this,
      destination: subscription.destination,
      params: route.params,
      headers: frame.headers,
      subscriptionId: id,
    };
    await route.handler(context);
  }

  private addSubscription(subscription: Subscription): void {
    this.subscriptions.set(subscription.id, subscription);
    this.env.index.add(subscription);
  }

  private removeSubscription(subscription: Subscription): void {
    this.subscriptions.delete(subscription.id);
    this.env.index.remove(subscription);
  }

  // ---- ACK / NACK ----

  private acknowledge(frame: StompFrame): void {
    let key: string;
    let candidates: Iterable<Subscription>;
    if (this.version === '1.2') {
      key = required(frame, 'id');
      candidates = this.subscriptions.values();
    } else {
      key = required(frame, 'message-id');
      const subscriptionId =
        this.version === '1.1' ? required(frame, 'subscription') : frame.headers.subscription;
      const one = subscriptionId === undefined ? undefined : this.subscriptions.get(subscriptionId);
      candidates = subscriptionId === undefined ? this.subscriptions.values() : one ? [one] : [];
    }
    for (const subscription of candidates) {
      const unacked = subscription.unacked;
      if (!unacked?.has(key)) continue;
      if (subscription.ackMode === 'client') {
        // Cumulative: this message and every earlier one of the subscription.
        for (const pending of unacked) {
          unacked.delete(pending);
          if (pending === key) break;
        }
      } else {
        unacked.delete(key);
      }
      // NACK: the message is not redelivered (live fan-out keeps no copies); it is only released.
      return;
    }
    throw new Refusal(
      'unknown-ack-id',
      `${frame.command} of ${key}, which is not a message awaiting acknowledgement`,
    );
  }

  // ---- transactions ----

  private enlist(transaction: string, frame: StompFrame): void {
    const frames = this.transactions.get(transaction);
    if (!frames) throw new Refusal('unknown-transaction', `no open transaction ${transaction}`);
    if (frames.length >= this.env.limits.maxTransactionFrames) {
      throw new Refusal(
        'transaction-too-large',
        `more than ${this.env.limits.maxTransactionFrames} frames in transaction ${transaction}`,
      );
    }
    frames.push(frame);
  }

  private takeTransaction(name: string): StompFrame[] {
    const frames = this.transactions.get(name);
    if (!frames) throw new Refusal('unknown-transaction', `no open transaction ${name}`);
    this.transactions.delete(name);
    return frames;
  }

  // ---- heart-beats ----

  private startHeartbeats(sendEveryMs: number, expectEveryMs: number): void {
    if (sendEveryMs > 0) this.scheduleHeartbeat(sendEveryMs, sendEveryMs);
    if (expectEveryMs > 0) this.scheduleSilenceCheck(expectEveryMs * 2, expectEveryMs * 2 + 1);
  }

  private scheduleHeartbeat(interval: number, delay: number): void {
    this.sendTimer = setTimeout(() => {
      if (this.state !== State.Connected) return;
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
      if (this.state !== State.Connected) return;
      const silent = Date.now() - this.lastInboundAt;
      if (silent > allowed) {
        this.fail(
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

  // ---- outbound and closing ----

  private sendFrame(command: string, headers: Record<string, string>, body?: string): void {
    this.ws.send(encodeFrame(command, headers, body, this.version), TEXT);
    this.lastOutboundAt = Date.now();
  }

  private errorFrame(error: StompError, receipt: string | undefined): Buffer {
    const headers: Record<string, string> = { message: error.message, code: error.code };
    if (receipt !== undefined) headers['receipt-id'] = receipt;
    if (error instanceof Refusal) Object.assign(headers, error.extraHeaders);
    if (error.details) headers['content-type'] = 'text/plain';
    // Before a version is agreed the client's escaping rules are unknown: none (our own messages need none).
    const version = this.versionAgreed ? this.version : '1.0';
    return encodeFrame('ERROR', headers, error.details ?? '', version);
  }

  /** Sends ERROR for `error` (with `receipt-id` when the frame asked for a receipt), then closes. */
  private fail(error: unknown, receipt?: string, closeCode = 1002): void {
    if (this.state >= State.Closing) return;
    let refusal: StompError;
    if (error instanceof StompError) {
      refusal = error;
    } else {
      this.env.logger.error(
        `session ${this.id}: handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        undefined,
        'Stomp',
      );
      refusal = new StompError('internal-error', 'internal server error');
    }
    try {
      this.ws.send(this.errorFrame(refusal, receipt), TEXT);
    } catch {
      // the socket is already unusable; closing below is all that is left
    }
    this.closeSocket(closeCode, refusal.code);
  }

  private closeSocket(code: number, reason: string): void {
    if (this.state === State.Closed) return;
    this.release();
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
    }
  }

  private clearTimers(): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.sendTimer);
    clearTimeout(this.checkTimer);
  }

  /** Stops all activity of a closing session: no more input, timers, subscriptions or transactions. */
  private release(): void {
    this.state = State.Closing;
    this.parser.stop();
    this.queue.length = 0;
    this.clearTimers();
    for (const subscription of this.subscriptions.values()) this.env.index.remove(subscription);
    this.subscriptions.clear();
    this.transactions.clear(); // open transactions are aborted
  }

  private onClose(): void {
    const wasConnected = this.connectedAt.getTime() !== 0;
    this.release();
    this.state = State.Closed;
    this.env.ended(this);
    if (wasConnected) void this.runDisconnectHooks();
  }

  private async runDisconnectHooks(): Promise<void> {
    for (const hook of this.env.handlers.disconnectHooks) {
      try {
        await hook(this);
      } catch (error) {
        this.env.logger.error(
          `session ${this.id}: @OnDisconnect handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          undefined,
          'Stomp',
        );
      }
    }
  }
}

function required(frame: StompFrame, header: string): string {
  const value = frame.headers[header];
  if (value === undefined)
    throw new Refusal('missing-header', `${frame.command} requires a ${header} header`);
  return value;
}
