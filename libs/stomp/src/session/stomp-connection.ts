import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  context,
  createContextKey,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
} from '@opentelemetry/api';
import type { LoggerService } from '@nestjs/common';
import type { RawData, WebSocket } from 'ws';
import type { SubscribeContext, SubscribeResult, UnsubscribeContext } from '../api/handler-contexts';
import { StompError } from '../api/stomp-error';
import type { StompSession } from '../api/stomp-session';
import type { StompFrame, StompVersion } from '../frame/frame';
import { encodeFrame } from '../frame/frame-encoder';
import { FrameParser, type FrameSink } from '../frame/frame-parser';
import { MessageTemplate } from '../frame/message-template';
import type { StompProtocolError } from '../frame/protocol-error';
import type { StompLimits } from '../limits';
import { compareSequence } from '../routing/sequence';
import type { SubscriptionIndex } from '../routing/subscription-index';
import type { FrameCounts } from '../server/frame-counts';
import type { StompHandlers } from '../server/stomp-handlers';
import { AckTracker, type AckDryRun } from './ack-tracker';
import { Heartbeats, type HeartbeatOwner } from './heartbeats';
import { InboundQueue, type InboundOwner } from './inbound-queue';
import { negotiateHeartbeat, negotiateVersion, type HeartbeatOffer } from './negotiation';
import { Refusal, requireHeader } from './refusal';
import { sendContext } from './send-context';
import { SessionSubscriptions } from './session-subscriptions';
import { ACK_MODES, Subscription, type AckMode, type Subscriber } from './subscription';
import { Transactions } from './transactions';
import { quoteClientText } from '../frame/quote-client-text';

/** What a connection needs from the server that owns it. */
const tracer = trace.getTracer('@playlist-chat/stomp');
/** The provider's delegate while no SDK has registered one (a fresh proxy has none). */
const NO_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether an SDK is started: without one a SEND or SUBSCRIBE skips the span (a no-op span still
 * costs its context). The platform's `tracerRegistered()` is the same check; this library does
 * not depend on the platform, so it keeps its own, as with `SESSION_ID_KEY` below.
 */
function tracing(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NO_PROVIDER;
}
/** Same key as the platform's `SESSION_ID_KEY` (`createContextKey` is `Symbol.for`): log lines read it. */
const SESSION_ID_KEY = createContextKey('playlist-chat.session_id');

export interface ConnectionEnvironment {
  readonly handlers: StompHandlers;
  readonly limits: StompLimits;
  readonly heartbeat: HeartbeatOffer;
  readonly serverName: string;
  /** Further CONNECTED headers (StompServerOptions.connectedHeaders), checked once. */
  readonly connectedHeaders: Readonly<Record<string, string>>;
  /** StompServerOptions.userDestinations; undefined: any `/user/…` destination. */
  readonly userDestinations: ReadonlySet<string> | undefined;
  readonly index: SubscriptionIndex;
  readonly logger: LoggerService;
  readonly frames: FrameCounts;
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

const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;
const SUPPORTED_VERSIONS = '1.2,1.1,1.0';
/**
 * Headers whose values the client chooses and the server keeps or echoes: bounded by
 * `maxIdHeaderBytes`. Not SUBSCRIBE's `ack`: there it is the ack mode, checked against ACK_MODES.
 */
const ID_HEADERS = ['receipt', 'id', 'transaction', 'ack'] as const;
/** `send`'s `payload` when no COMMIT has run the route's validator yet. */
const UNCHECKED = Symbol('unchecked');
/** What a 1.1/1.2 client would read as an escape or a line end in a header written unescaped. */
const NEEDS_ESCAPE = /[\\\r]/;
/** How often a session waiting for its output to drain looks again whether the client read it. */
const OUTPUT_POLL_MS = 10;

/**
 * The session of a socket (and of its ws receiver), for the listeners that are static methods of
 * `StompConnection`: one function for all sessions instead of a closure per session and event.
 */
const SESSION = Symbol('stomp.session');

/** A socket or ws receiver carrying its session (see `SESSION`). */
interface SessionCarrier {
  [SESSION]: StompConnection;
}

/**
 * One STOMP session over one WebSocket: the protocol state machine. Frames are handled strictly
 * in arrival order, one at a time (a handler's promise settles before the next frame starts).
 * Any ERROR is followed by closing the socket, as STOMP requires.
 *
 * This class holds the state, dispatches frames, runs CONNECT, SEND, SUBSCRIBE and UNSUBSCRIBE,
 * delivers MESSAGEs and turns errors into ERROR + close. Each other concern of the session sits
 * beside it in its own file: the inbound queue, heart-beats, the session's subscriptions, ACK/NACK
 * tracking, transactions, refusals and the SEND handler's context.
 */
export class StompConnection
  implements StompSession<unknown>, FrameSink, Subscriber, InboundOwner, HeartbeatOwner
{
  id: string;
  principal: unknown = null;
  userKey = '';
  version: StompVersion = '1.2';
  connectedAt = new Date(0);
  /** HeartbeatOwner: time of the last frame sent to the client. */
  lastOutboundAt = Date.now();
  readonly remoteAddress: string;

  private state = State.AwaitingConnect;
  private readonly parser: FrameParser;
  private readonly inbound: InboundQueue;
  private readonly heartbeats: Heartbeats;
  private readonly subscriptions: SessionSubscriptions;
  private readonly acks: AckTracker;
  private readonly transactions: Transactions;
  private versionAgreed = false;
  /**
   * Ids of subscriptions the server ended (`endSubscriptions`), until the client unsubscribes or
   * reuses them. Made on first use: most sessions never need it, and an empty Set costs ~100 B.
   */
  private endedSubscriptionIds: Set<string> | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  /** The trace context of the upgrade request (its `traceparent`): parent of this session's frame spans. */
  private readonly traceContext: Context;
  /**
   * The upgrade request, for the authenticator at CONNECT; dropped then, so an idle session does
   * not keep the request's headers and parser state alive (memory per connection).
   */
  private request: IncomingMessage | undefined;

  /**
   * The upgraded socket under `ws`, written directly with whole WebSocket frames of shared
   * MESSAGEs (see `write`). Only when no extension was negotiated: with permessage-deflate ws
   * compresses and queues frames, and a direct write could pass them.
   */
  private readonly socket: Duplex | undefined;

  constructor(
    private readonly ws: WebSocket,
    socket: Duplex,
    request: IncomingMessage,
    private readonly env: ConnectionEnvironment,
  ) {
    this.socket = ws.extensions === '' ? socket : undefined;
    this.request = request;
    this.id = env.nextSessionId();
    this.remoteAddress = request.socket.remoteAddress ?? '';
    this.traceContext = propagation.extract(ROOT_CONTEXT, request.headers);
    this.parser = new FrameParser(this, env.limits);
    this.parser.version = '1.0'; // until CONNECT: frames other than CONNECT are refused anyway, undecoded
    // The queue and heart-beats call back into this session (InboundOwner, HeartbeatOwner), and
    // the socket's listeners are shared by all sessions: no closures are made per session.
    this.inbound = new InboundQueue(ws, this);
    this.heartbeats = new Heartbeats(ws, this);
    this.subscriptions = new SessionSubscriptions(env.index, env.limits.maxSubscriptionsPerSession);
    this.acks = new AckTracker(env.limits.maxUnackedMessages);
    this.transactions = new Transactions(env.limits);
    (ws as unknown as SessionCarrier)[SESSION] = this;
    ws.on('message', StompConnection.onSocketMessage);
    ws.on('close', StompConnection.onSocketClose);
    ws.on('error', StompConnection.onSocketError);
    this.refuseOversizeMessages(ws);
    this.connectTimer = setTimeout(StompConnection.connectTimedOut, env.limits.connectTimeoutMs, this);
    this.connectTimer.unref();
  }

  // ---- socket listeners: shared by all sessions, `this` is the socket ----

  private static onSocketMessage(this: WebSocket, data: RawData): void {
    (this as unknown as SessionCarrier)[SESSION].onMessage(data);
  }

  /** Runs once, as with `once('close')`, which would allocate a wrapper per session. */
  private static onSocketClose(this: WebSocket): void {
    this.off('close', StompConnection.onSocketClose);
    (this as unknown as SessionCarrier)[SESSION].onClose();
  }

  private static onSocketError(this: WebSocket, error: Error): void {
    const session = (this as unknown as SessionCarrier)[SESSION];
    session.env.logger.debug?.(`session ${session.id}: socket error ${error.message}`, 'Stomp');
  }

  private static connectTimedOut(session: StompConnection): void {
    if (session.state === State.AwaitingConnect)
      session.fail(
        new Refusal('connect-timeout', `no CONNECT frame within ${session.env.limits.connectTimeoutMs} ms`),
      );
  }

  /** True while the session can receive MESSAGEs (and, as HeartbeatOwner, send heart-beats). */
  get isOpen(): boolean {
    return this.state === State.Connected;
  }

  /** InboundOwner: false once the session is closing. */
  get acceptingFrames(): boolean {
    return this.state < State.Closing;
  }

  /**
   * InboundOwner: reading stops while our output to this client waits; past the whole limit the
   * session is dropped.
   */
  get outputBacklogged(): boolean {
    return this.ws.bufferedAmount > this.env.limits.maxBufferedBytes / 2;
  }

  /**
   * InboundOwner: resolves once at most half of `maxBufferedBytes` waits unsent (true), or the
   * session ended (false). Output that does not go down for `drainTimeoutMs` is a client that
   * does not read (or is gone: its heart-beats cannot be read meanwhile): dropped as a slow
   * consumer. Only a session that waits polls; the fan-out never does.
   */
  async outputDrained(): Promise<boolean> {
    const { maxBufferedBytes, drainTimeoutMs } = this.env.limits;
    let last = this.ws.bufferedAmount;
    let progressAt = Date.now();
    while (this.state < State.Closing) {
      const buffered = this.ws.bufferedAmount;
      if (buffered <= maxBufferedBytes / 2) return true;
      const now = Date.now();
      if (buffered < last) {
        progressAt = now;
      } else if (now - progressAt >= drainTimeoutMs) {
        this.dropSlowConsumer(`unsent output did not go down for ${drainTimeoutMs} ms`);
        return false;
      }
      last = buffered;
      await new Promise((resolve) => setTimeout(resolve, OUTPUT_POLL_MS));
    }
    return false;
  }

  /** InboundOwner: the client's heart-beats waited unread while paused; silence counts from now. */
  readingResumed(): void {
    this.heartbeats.lastInboundAt = Date.now();
  }

  /** InboundOwner. */
  get maxQueuedFrames(): number {
    return this.env.limits.maxQueuedFrames;
  }

  /** InboundOwner: more frames wait than `maxQueuedFrames`. */
  queueOverflowed(): void {
    const max = this.env.limits.maxQueuedFrames;
    this.fail(new Refusal('too-many-queued-frames', `more than ${max} frames waiting to be handled`));
  }

  /** InboundOwner: the parser found the byte stream broken. */
  handleStreamError(error: StompProtocolError): void {
    this.fail(new Refusal(error.code, error.message));
  }

  /** HeartbeatOwner: the client went silent. */
  heartbeatTimedOut(refusal: Refusal): void {
    this.fail(refusal);
  }

  /** Subscriptions of this session (including those whose authorizer is still running). */
  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  close(reason: string): void {
    this.fail(new Refusal('closed', reason));
  }

  end(error: StompError): void {
    this.fail(error);
  }

  endSubscriptions(destination: string): number {
    let ended = 0;
    for (const subscription of [...this.subscriptions.values()]) {
      if (subscription.destination !== destination) continue;
      this.subscriptions.remove(subscription);
      this.rememberEnded(subscription.id);
      ended += 1;
    }
    return ended;
  }

  /** The client does not know its subscription ended: its later UNSUBSCRIBE of that id is still answered normally. */
  private rememberEnded(id: string): void {
    const ended = (this.endedSubscriptionIds ??= new Set());
    ended.add(id);
    if (ended.size > this.env.limits.maxSubscriptionsPerSession) {
      const oldest = ended.values().next().value;
      if (oldest !== undefined) ended.delete(oldest);
    }
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
    if (replayedAlready(subscription, message)) return;
    this.write(subscription, message, now);
  }

  private write(subscription: Subscription, message: MessageTemplate, now: number): void {
    if (this.state !== State.Connected) return;
    if (this.ws.bufferedAmount > this.env.limits.maxBufferedBytes) {
      this.dropSlowConsumer(`more than ${this.env.limits.maxBufferedBytes} bytes waiting to be sent`);
      return;
    }
    const unacked = subscription.unacked;
    if (unacked === undefined && this.socket !== undefined) {
      // ws writes each frame to the socket as it is sent (no deflate, nothing queued), so a
      // frame written here keeps its place among ws's own, and `ws.bufferedAmount` counts it.
      if (this.ws.readyState !== this.ws.OPEN) return;
      this.socket.write(message.webSocketFrameFor(subscription));
    } else {
      const frame =
        unacked === undefined
          ? message.frameFor(subscription)
          : this.acks.frameAwaitingAck(subscription, unacked, message, this.version);
      if (frame instanceof Refusal) {
        this.fail(frame);
        return;
      }
      this.ws.send(frame, message.binary ? BINARY : TEXT);
    }
    this.env.frames.messagesSent += 1;
    this.lastOutboundAt = now;
  }

  private dropSlowConsumer(reason: string): void {
    if (this.state >= State.Closing) return;
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

  /**
   * A WebSocket message larger than ws's `maxPayload` never reaches the parser: ws closes with
   * 1009 as soon as the length is read. Its receiver reports that before ws closes, so the client
   * still gets a STOMP ERROR naming the limit first. (`_receiver` is ws's own; without it the
   * close alone remains.)
   */
  private refuseOversizeMessages(ws: WebSocket): void {
    const receiver = (ws as unknown as { _receiver?: NodeJS.EventEmitter })._receiver;
    if (!receiver) return;
    (receiver as unknown as SessionCarrier)[SESSION] = this;
    receiver.prependListener('error', StompConnection.onReceiverError);
  }

  /** `refuseOversizeMessages`' listener, shared by all sessions: `this` is the ws receiver. */
  private static onReceiverError(this: NodeJS.EventEmitter, error: Error & { code?: string }): void {
    const session = (this as unknown as SessionCarrier)[SESSION];
    if (error.code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || session.state >= State.Closing) return;
    const refusal = new Refusal(
      'frame-too-large',
      `frame is larger than ${session.env.limits.maxFrameBytes} bytes`,
    );
    try {
      session.ws.send(session.errorFrame(refusal, undefined), TEXT);
    } catch {
      // ws is closing the socket anyway
    }
    session.release();
  }

  // ---- inbound ----

  private onMessage(data: RawData): void {
    if (this.state >= State.Closing) return;
    this.heartbeats.lastInboundAt = Date.now();
    const chunk = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    this.parser.push(chunk);
  }

  /** FrameSink: runs synchronously inside the parser. */
  frame(frame: StompFrame): void {
    this.env.frames.received(frame.command);
    if ((frame.command === 'CONNECT' || frame.command === 'STOMP') && this.state === State.AwaitingConnect) {
      // Negotiate now, not when the queue reaches it: frames pipelined behind CONNECT in the
      // same chunk are decoded with this version's escaping rules.
      const version = negotiateVersion(frame.headers['accept-version']);
      if (version) this.parser.version = version;
    }
    this.inbound.push(frame);
  }

  heartbeat(): void {
    // Any inbound byte already counts as activity (see onMessage).
  }

  error(error: StompProtocolError): void {
    this.inbound.push(error);
  }

  /**
   * InboundOwner: runs one frame (the queue starts the next one when this settles).
   *
   * SEND and SUBSCRIBE run inside a span `STOMP SEND` / `STOMP SUBSCRIBE` (destination, receipt,
   * session), child of the frame's own `traceparent` header when it has one, else of the upgrade
   * request's. Other frames, and MESSAGE deliveries, get no span.
   */
  handleFrame(frame: StompFrame): Promise<void> {
    if ((frame.command !== 'SEND' && frame.command !== 'SUBSCRIBE') || !tracing()) return this.run(frame);
    const parent =
      frame.headers.traceparent === undefined
        ? this.traceContext
        : propagation.extract(ROOT_CONTEXT, frame.headers);
    const attributes: Attributes = {
      'messaging.system': 'stomp',
      'messaging.operation.name': frame.command,
      'stomp.session_id': this.id,
    };
    if (frame.headers.destination !== undefined)
      attributes['messaging.destination.name'] = frame.headers.destination;
    if (frame.headers.receipt !== undefined) attributes['stomp.receipt'] = frame.headers.receipt;
    const span = tracer.startSpan(
      `STOMP ${frame.command}`,
      { kind: frame.command === 'SEND' ? SpanKind.CONSUMER : SpanKind.SERVER, attributes },
      parent,
    );
    const active = trace.setSpan(parent, span).setValue(SESSION_ID_KEY, this.id);
    return context.with(active, () => this.run(frame)).finally(() => span.end());
  }

  private async run(frame: StompFrame): Promise<void> {
    const overlong = this.overlongIdHeader(frame);
    // An over-long receipt is not echoed back in the ERROR.
    const receipt = overlong === 'receipt' ? undefined : frame.headers.receipt;
    try {
      if (overlong !== undefined) {
        throw new Refusal(
          'header-too-long',
          `${overlong} header is longer than ${this.env.limits.maxIdHeaderBytes} bytes`,
        );
      }
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
      const done = await this.dispatch(frame);
      if (this.state !== State.Connected) return;
      if (receipt !== undefined) {
        this.sendFrame('RECEIPT', { 'receipt-id': receipt });
        this.env.frames.sent('RECEIPT');
      }
      if (done === 'disconnect') this.closeSocket(1000, 'DISCONNECT');
    } catch (error) {
      this.fail(error, receipt);
    }
  }

  /** The first client-chosen identifier header over `maxIdHeaderBytes`, if any. */
  private overlongIdHeader(frame: StompFrame): string | undefined {
    const max = this.env.limits.maxIdHeaderBytes;
    for (const name of ID_HEADERS) {
      const value = frame.headers[name];
      // UTF-8 is at most 3 bytes per UTF-16 unit: measure only when the length could be over.
      if (value !== undefined && value.length * 3 > max && Buffer.byteLength(value) > max) {
        if (name === 'ack' && frame.command === 'SUBSCRIBE') continue; // the mode, not an id
        return name;
      }
    }
    return undefined;
  }

  /** Runs one frame (a SEND, ACK or NACK with a `transaction` header is only held). */
  private async dispatch(frame: StompFrame): Promise<'disconnect' | void> {
    const transaction = frame.headers.transaction;
    switch (frame.command) {
      case 'SEND':
        if (transaction !== undefined) return this.transactions.enlist(transaction, frame);
        return this.send(frame, UNCHECKED);
      case 'SUBSCRIBE':
        return this.subscribe(frame);
      case 'UNSUBSCRIBE':
        return this.unsubscribe(frame);
      case 'ACK':
      case 'NACK':
        if (transaction !== undefined) return this.transactions.enlist(transaction, frame);
        return this.acks.acknowledge(frame, this.version, this.subscriptions);
      case 'BEGIN':
        return this.transactions.begin(requireHeader(frame, 'transaction'));
      case 'COMMIT': {
        const frames = this.transactions.end(requireHeader(frame, 'transaction'));
        // All or nothing: every frame is checked before the first one runs.
        const payloads = await this.check(frames);
        for (let i = 0; i < frames.length; i += 1) {
          const enlisted = frames[i];
          if (enlisted.command === 'SEND') await this.send(enlisted, payloads[i]);
          else this.acks.acknowledge(enlisted, this.version, this.subscriptions);
          if (this.state !== State.Connected) return;
        }
        return;
      }
      case 'ABORT':
        this.transactions.end(requireHeader(frame, 'transaction'));
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
    this.connectTimer = undefined;
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
    const request = this.request;
    this.request = undefined;
    if (!request) throw new Refusal('already-connected', 'this session is already connected');
    if (authenticator) {
      this.principal = await authenticator.authenticate(frame.headers, request);
      if (this.state !== State.AwaitingConnect) return; // the socket went away meanwhile
      this.userKey = authenticator.userKey(this.principal);
    } else {
      this.userKey = this.id;
    }
    this.connectedAt = new Date();
    this.state = State.Connected;
    this.env.frames.sent('CONNECTED');
    this.sendFrame('CONNECTED', {
      ...this.env.connectedHeaders,
      version,
      'heart-beat': `${this.env.heartbeat.outgoingMs},${this.env.heartbeat.incomingMs}`,
      server: this.env.serverName,
      session: this.id,
    });
    this.env.connected(this);
    this.heartbeats.start(heartbeat);
    for (const hook of this.env.handlers.connectHooks) {
      await hook(this);
      if (this.state !== State.Connected) return;
    }
  }

  // ---- SEND ----

  /**
   * Runs a SEND; `payload` is what its validator returned when COMMIT has already run it, else
   * UNCHECKED (not a default value: a validator may well return undefined).
   */
  private async send(frame: StompFrame, payload: unknown): Promise<void> {
    const destination = requireHeader(frame, 'destination');
    const route = this.sendRoute(destination);
    const { handler, validate } = route.handler;
    if (payload === UNCHECKED) {
      payload = validate ? await validate(sendContext(this, destination, route.params, frame)) : undefined;
    }
    await handler(sendContext(this, destination, route.params, frame, payload));
  }

  private sendRoute(destination: string) {
    const route = this.env.handlers.send.match(destination);
    if (!route) throw new Refusal('unknown-destination', `no handler for SEND to ${destination}`);
    return route;
  }

  /**
   * What COMMIT checks of its frames, in order, before running any: a SEND needs a known
   * destination and passes its route's validator (whose payload the run then uses, rather than
   * validating twice); an ACK/NACK must name a message awaiting acknowledgement once the
   * transaction's earlier ACK/NACKs have released theirs. Returns the SENDs' payloads by index.
   */
  private async check(frames: readonly StompFrame[]): Promise<unknown[]> {
    const payloads = new Array<unknown>(frames.length);
    let released: AckDryRun | undefined;
    for (let i = 0; i < frames.length; i += 1) {
      const frame = frames[i];
      if (frame.command !== 'SEND') {
        this.acks.check(
          frame,
          this.version,
          this.subscriptions,
          (released ??= new Map<Subscription, Set<string>>()),
        );
        continue;
      }
      const destination = requireHeader(frame, 'destination');
      const route = this.sendRoute(destination);
      const validate = route.handler.validate;
      payloads[i] = validate && (await validate(sendContext(this, destination, route.params, frame)));
    }
    return payloads;
  }

  // ---- SUBSCRIBE / UNSUBSCRIBE ----

  private async subscribe(frame: StompFrame): Promise<void> {
    const destination = requireHeader(frame, 'destination');
    const id = this.version === '1.0' ? (frame.headers.id ?? destination) : requireHeader(frame, 'id');
    this.subscriptions.checkCanAdd(id);
    this.endedSubscriptionIds?.delete(id);
    const ack = (frame.headers.ack ?? 'auto') as AckMode;
    if (!ACK_MODES.includes(ack))
      throw new Refusal('invalid-header', `ack must be one of ${ACK_MODES.join(', ')}`);
    const isUserDestination = destination.startsWith('/user/');
    const route = this.env.handlers.subscribe.match(destination);
    const userDestinations = this.env.userDestinations;
    if (!route && !(isUserDestination && (!userDestinations || userDestinations.has(destination))))
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
      this.subscriptions.add(subscription);
      return;
    }
    // Indexed before the authorizer runs, so nothing published meanwhile is lost: it is held
    // and sent after the replay (see SubscribeResult).
    subscription.held = [];
    this.subscriptions.add(subscription);
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
      this.subscriptions.remove(subscription);
      throw error;
    }
    if (this.state !== State.Connected) return;
    await this.goLive(subscription, result?.replay ?? []);
  }

  /**
   * Sends the replay, then the live messages held meanwhile (less those the replay already
   * had), then lets live messages through. A replay may be larger than `maxBufferedBytes`: while
   * more than half of it waits unsent, this waits for the client to read (`outputDrained`), and
   * live messages go on being held, so none overtakes the replay. The SUBSCRIBE's RECEIPT, and
   * the session's next frame, come after.
   */
  private async goLive(
    subscription: Subscription,
    replay: NonNullable<SubscribeResult['replay']>,
  ): Promise<void> {
    let now = Date.now();
    let lastSequence: string | undefined;
    for (const message of replay) {
      if (this.outputBacklogged) {
        if (!(await this.drainedFor(subscription))) return;
        now = Date.now();
      }
      this.write(
        subscription,
        new MessageTemplate(subscription.destination, this.env.nextMessageId(), message, message.sequence),
        now,
      );
      if (this.state !== State.Connected) return; // the write dropped the session
      if (message.sequence !== undefined) lastSequence = message.sequence;
    }
    subscription.replayedUpTo = lastSequence;
    const held = subscription.held ?? [];
    let next = 0;
    while (next < held.length) {
      if (this.outputBacklogged) {
        held.splice(0, next); // what was sent no longer counts against maxHeldMessages
        next = 0;
        if (!(await this.drainedFor(subscription))) return;
        now = Date.now();
      }
      const message = held[next];
      next += 1;
      if (replayedAlready(subscription, message)) continue;
      this.write(subscription, message, now);
      if (this.state !== State.Connected) return;
    }
    subscription.held = undefined;
  }

  /** `outputDrained`, and the subscription is still this session's (the app may have ended it). */
  private async drainedFor(subscription: Subscription): Promise<boolean> {
    return (
      (await this.outputDrained()) &&
      this.state === State.Connected &&
      this.subscriptions.get(subscription.id) === subscription
    );
  }

  /** Removes the subscription first, then runs the matching `@OnUnsubscribe` (if any). */
  private async unsubscribe(frame: StompFrame): Promise<void> {
    const id = this.version === '1.0' ? (frame.headers.id ?? frame.headers.destination) : frame.headers.id;
    if (id === undefined) throw new Refusal('missing-header', 'UNSUBSCRIBE requires an id header');
    const subscription = this.subscriptions.get(id);
    if (!subscription) {
      if (this.endedSubscriptionIds?.delete(id)) return; // already ended by the server
      throw new Refusal('unknown-subscription', `no subscription with id ${id}`);
    }
    this.subscriptions.remove(subscription);
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

  // ---- outbound and closing ----

  /** RECEIPT, CONNECTED: like MESSAGEs, they count against `maxBufferedBytes`. */
  private sendFrame(command: string, headers: Record<string, string>, body?: string): void {
    if (this.ws.bufferedAmount > this.env.limits.maxBufferedBytes) {
      this.dropSlowConsumer(`more than ${this.env.limits.maxBufferedBytes} bytes waiting to be sent`);
      return;
    }
    this.ws.send(encodeFrame(command, headers, body, this.version), TEXT);
    this.lastOutboundAt = Date.now();
  }

  private errorFrame(error: StompError, receipt: string | undefined): Buffer {
    const headers: Record<string, string> = { message: error.message, code: error.code };
    // Before a version is agreed the client's escaping rules are unknown, so the ERROR is written
    // unescaped (our own messages need none), and a receipt that would need escaping is not echoed.
    const version = this.versionAgreed ? this.version : '1.0';
    if (receipt !== undefined && (this.versionAgreed || !NEEDS_ESCAPE.test(receipt))) {
      headers['receipt-id'] = receipt;
    }
    // The error's own headers (`version`, `retry-after`) after the session's, never in their place.
    for (const [name, value] of Object.entries(error.headers))
      if (!Object.hasOwn(headers, name)) headers[name] = value;
    if (error.details) headers['content-type'] = error.contentType ?? detailsType(error.details);
    this.env.frames.sent('ERROR');
    trace
      .getActiveSpan()
      ?.setAttribute('stomp.error_code', error.code)
      .setStatus({ code: SpanStatusCode.ERROR, message: error.message });
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

  /** Stops all activity of a closing session: no more input, timers, subscriptions or transactions. */
  private release(): void {
    this.state = State.Closing;
    this.parser.stop();
    this.inbound.clear();
    clearTimeout(this.connectTimer);
    this.heartbeats.stop();
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

/**
 * A live copy of a message the replay already sent: dropped. The first live message past the
 * replay ends the check for the subscription (live ones come in order).
 */
function replayedAlready(subscription: Subscription, message: MessageTemplate): boolean {
  const replayedUpTo = subscription.replayedUpTo;
  if (replayedUpTo === undefined || message.sequence === undefined) return false;
  if (compareSequence(message.sequence, replayedUpTo) <= 0) return true;
  subscription.replayedUpTo = undefined;
  return false;
}

/** An ERROR body's type when the error names none: JSON when it parses as an object or array. */
function detailsType(details: string): string {
  const first = details.trimStart()[0];
  if (first !== '{' && first !== '[') return 'text/plain';
  try {
    JSON.parse(details);
    return 'application/json';
  } catch {
    return 'text/plain';
  }
}
