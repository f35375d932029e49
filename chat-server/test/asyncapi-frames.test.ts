import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Parser, type IRawFrameType } from '@stomp/stompjs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parse } from 'yaml';
import type { TopicName } from '@playlist-chat/contracts';
import { ManualClock, type EventSubscription } from '@playlist-chat/platform';
import { sharedInMemoryEventBus } from '@playlist-chat/platform/adapters';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer, testIssuer, type TestUser } from './support/chat-server';

/**
 * docs/asyncapi.yaml against the frames a real chat server really sends. Real `@stomp/stompjs`
 * clients over real WebSockets drive every flow the document describes (joining, lines, typing,
 * read receipts, presence, eviction, exits, replay, transactions, a closed room, refusals); a tap on
 * each socket parses every frame the server writes, before the client sees it. Each MESSAGE,
 * RECEIPT, ERROR and CONNECTED frame is then checked against the message the document gives for it
 * (the MESSAGE's channel, by destination; the frame messages of components.messages by name):
 * headers and body, strictly (a field or header the document does not declare is a finding).
 * Each SEND the server accepted must pass its documented payload, and each it refused as
 * invalid-payload must fail it. Every message of every operation must have been seen, unless
 * listed in NOT_EXERCISED with a reason. All findings are reported together.
 */

const USER_EVENTS = '/user/queue/events';
const MAX_CONTENT_LENGTH = 40;
const SEND_RATE_LIMIT = 5;
const MAX_CONNECTIONS_PER_USER = 3;
const ROOM_IDLE_MS = 60 * 60_000;

/** Operation messages (`operation/message name`) this test does not make the server send, and why. */
const NOT_EXERCISED: Readonly<Record<string, string>> = {};

/** STOMP's own framing header, on every frame with a body (STOMP 1.2 "Header content-length"), not part of the API. */
const FRAMING_HEADERS = ['content-length'];

const documentPath = join(__dirname, '..', '..', 'docs', 'asyncapi.yaml');

// ---------------------------------------------------------------------------------------------
// The document

type Node = Record<string, unknown>;

interface AsyncApiDocument {
  readonly defaultContentType?: string;
  readonly channels: Record<string, { address: string; servers?: Node[] }>;
  readonly operations: Record<
    string,
    { action: 'send' | 'receive'; channel: { $ref: string }; messages?: { $ref: string }[] }
  >;
  readonly components: { messages: Record<string, Node> };
  readonly 'x-stomp-errors': Record<string, string>;
}

interface DocumentedMessage {
  /** JSON pointer of the message object (references followed). */
  readonly pointer: string;
  readonly name: string;
  readonly node: Node;
}

interface DocumentedChannel {
  readonly key: string;
  readonly address: string;
  /** The address as an anchored pattern, its `{parameters}` as named groups. */
  readonly pattern: RegExp;
  /** On the event log between services (not a STOMP destination). */
  readonly eventLog: boolean;
}

interface DocumentedOperation {
  readonly name: string;
  readonly action: 'send' | 'receive';
  readonly channel: DocumentedChannel;
  readonly messages: readonly DocumentedMessage[];
}

const DOCUMENT_ID = 'https://playlist-chat.invalid/docs/asyncapi.yaml';

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A copy in which every object schema that declares properties refuses others, unless it says
 * itself what else it allows: an undeclared field the server sends is a finding. (Only `type:
 * object` schemas: a subschema that constrains some properties, as in an `if`/`then`, is left be.)
 */
function strictCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strictCopy);
  if (!isNode(value)) return value;
  const copy: Node = Object.fromEntries(Object.entries(value).map(([key, item]) => [key, strictCopy(item)]));
  if (
    copy.type === 'object' &&
    isNode(copy.properties) &&
    !('additionalProperties' in copy) &&
    !('patternProperties' in copy) &&
    !('unevaluatedProperties' in copy)
  )
    copy.additionalProperties = false;
  return copy;
}

const describeError = (error: ErrorObject): string =>
  `${error.instancePath || '(root)'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`;

class DocumentModel {
  readonly channels: DocumentedChannel[];
  readonly operations: DocumentedOperation[];
  readonly errorCodes: ReadonlySet<string>;
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: AsyncApiDocument) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    this.ajv.addSchema({ ...(strictCopy(document) as Node), $id: DOCUMENT_ID });
    this.channels = Object.entries(document.channels).map(([key, channel]) => ({
      key,
      address: channel.address,
      pattern: new RegExp(
        `^${channel.address
          .split(/(\{\w+\})/)
          .map((part) =>
            /^\{\w+\}$/.test(part)
              ? `(?<${part.slice(1, -1)}>[^/]+)`
              : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
          )
          .join('')}$`,
      ),
      eventLog: (channel.servers ?? []).some((server) => server.$ref === '#/servers/eventLog'),
    }));
    this.operations = Object.entries(document.operations).map(([name, operation]) => ({
      name,
      action: operation.action,
      channel: this.channels.find((channel) => `#/channels/${channel.key}` === operation.channel.$ref)!,
      messages: (operation.messages ?? []).map((message) => this.message(message.$ref)),
    }));
    this.errorCodes = new Set(Object.keys(document['x-stomp-errors'] ?? {}));
  }

  at(pointer: string): unknown {
    let node: unknown = this.document;
    for (const part of pointer.split('/').slice(1))
      node = isNode(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    return node;
  }

  /** The message a `$ref` names, references followed. */
  message(ref: string): DocumentedMessage {
    let pointer = ref.slice(1);
    let node = this.at(pointer);
    while (isNode(node) && typeof node.$ref === 'string') {
      pointer = node.$ref.slice(1);
      node = this.at(pointer);
    }
    if (!isNode(node)) throw new Error(`${ref} points nowhere`);
    return { pointer, name: String(node.name), node };
  }

  /** The message of components.messages named after a STOMP command (RECEIPT, ERROR, CONNECTED). */
  frameMessage(command: string): DocumentedMessage | undefined {
    const key = Object.keys(this.document.components.messages).find(
      (name) => this.document.components.messages[name].name === command,
    );
    return key === undefined ? undefined : this.message(`#/components/messages/${key}`);
  }

  channelFor(address: string): { channel: DocumentedChannel; params: Record<string, string> } | undefined {
    for (const channel of this.channels) {
      const match = channel.pattern.exec(address);
      if (match) return { channel, params: { ...match.groups } };
    }
    return undefined;
  }

  operationsOn(channel: DocumentedChannel, action: 'send' | 'receive'): DocumentedOperation[] {
    return this.operations.filter(
      (operation) => operation.channel === channel && operation.action === action,
    );
  }

  /** Problems of `value` against the schema at `pointer` of the strict copy (none: valid). */
  check(pointer: string, value: unknown): string[] {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate(value) ? [] : (validate.errors ?? []).map(describeError);
  }

  /** The content type a message's body is documented with. */
  contentTypeOf(message: DocumentedMessage): string | undefined {
    return (message.node.contentType as string | undefined) ?? this.document.defaultContentType;
  }
}

/** Among an operation set's messages, the one a body is: by name or by its payload's `type` constant. */
function messageFor(
  document: DocumentModel,
  operations: readonly DocumentedOperation[],
  body: unknown,
): { operation: DocumentedOperation; message: DocumentedMessage } | undefined {
  const candidates = operations.flatMap((operation) =>
    operation.messages.map((message) => ({ operation, message })),
  );
  if (candidates.length === 1) return candidates[0];
  const type = isNode(body) ? body.type : undefined;
  return candidates.find(({ message }) => {
    if (message.name === type) return true;
    const payload = document.at(`${message.pointer}/payload`);
    const typeSchema = isNode(payload) && isNode(payload.properties) ? payload.properties.type : undefined;
    return isNode(typeSchema) && typeSchema.const === type;
  });
}

// ---------------------------------------------------------------------------------------------
// The wire: stompjs clients whose sockets are tapped

interface Frame {
  readonly connection: string;
  readonly command: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Header names the frame carries more than once (STOMP keeps the first value). */
  readonly repeated: readonly string[];
  readonly body: string;
}

/** A SEND a test client made and what answered it (RECEIPT, ERROR, or nothing). */
interface SentFrame {
  readonly connection: string;
  readonly destination: string;
  readonly body: string;
  /** Sent in a transaction: its RECEIPT only says it was enlisted. */
  readonly transactional: boolean;
  readonly answer: Frame | undefined;
}

const STOMP_12_ESCAPES: Record<string, string> = { r: '\r', n: '\n', c: ':', '\\': '\\' };
const unescapeHeader = (value: string): string =>
  value.replace(/\\([rnc\\])/g, (_, code: string) => STOMP_12_ESCAPES[code]);

function arrayBufferOf(data: WebSocket.RawData): ArrayBuffer {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

let receiptCounter = 0;
let subscriptionCounter = 0;

/** One WebSocket to /ws-chat, optionally with a stompjs client on it; every frame the server writes is recorded. */
class Tap {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  /** Subscription ids this connection made, and their destinations. */
  readonly subscriptions = new Map<string, string>();
  /** Receipts this connection asked for. */
  readonly receipts = new Set<string>();
  readonly closed: Promise<void>;
  stomp: Client | undefined;
  private isClosed = false;
  private connected = false;
  private readonly waiters = new Set<{ match: (frame: Frame) => boolean; done: (frame?: Frame) => void }>();

  constructor(
    readonly label: string,
    url: string,
    private readonly wire: Wire,
  ) {
    this.ws = new WebSocket(url, ['v12.stomp']);
    const parser = new Parser(
      (raw) => this.record(raw),
      () => undefined,
    );
    // Registered before stompjs's own listener: the tap sees each frame first.
    this.ws.on('message', (data) => parser.parseChunk(arrayBufferOf(data)));
    this.ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      this.ws.once('close', () => {
        this.isClosed = true;
        for (const waiter of this.waiters) waiter.done();
        this.waiters.clear();
        resolve();
      }),
    );
  }

  private record(raw: IRawFrameType): void {
    const command = raw.command ?? '';
    // STOMP 1.2 escapes header values in every frame but CONNECT/CONNECTED; before CONNECTED, the server does not.
    const escaped = this.connected && command !== 'CONNECTED';
    const headers: Record<string, string> = {};
    const repeated: string[] = [];
    for (const [rawName, rawValue] of raw.headers) {
      const name = escaped ? unescapeHeader(rawName) : rawName;
      if (Object.hasOwn(headers, name)) repeated.push(name);
      else headers[name] = escaped ? unescapeHeader(rawValue) : rawValue;
    }
    if (command === 'CONNECTED') this.connected = true;
    const frame: Frame = {
      connection: this.label,
      command,
      headers,
      repeated,
      body: new TextDecoder().decode(raw.binaryBody ?? new Uint8Array()),
    };
    this.frames.push(frame);
    this.wire.frames.push(frame);
    for (const waiter of [...this.waiters]) {
      if (!waiter.match(frame)) continue;
      this.waiters.delete(waiter);
      waiter.done(frame);
    }
  }

  /** The first frame (already here or still to come) that matches; undefined after a timeout or the close. */
  waitFor(match: (frame: Frame) => boolean, timeoutMs = 3_000): Promise<Frame | undefined> {
    const found = this.frames.find(match);
    if (found || this.isClosed) return Promise.resolve(found);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(undefined);
      }, timeoutMs);
      const waiter = {
        match,
        done: (frame?: Frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      this.waiters.add(waiter);
    });
  }

  nextReceipt(): string {
    receiptCounter += 1;
    const receipt = `receipt-${receiptCounter}`;
    this.receipts.add(receipt);
    return receipt;
  }

  /** What answers the frame that asked for `receipt`: its RECEIPT, or the ERROR that ends the session. */
  answer(receipt: string): Promise<Frame | undefined> {
    return this.waitFor(
      (frame) =>
        (frame.command === 'RECEIPT' && frame.headers['receipt-id'] === receipt) || frame.command === 'ERROR',
    );
  }

  /** SEND (objects as JSON) with a receipt; resolves with what answered it. */
  async send(
    destination: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<Frame | undefined> {
    const receipt = headers.receipt ?? this.nextReceipt();
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    this.stomp!.publish({ destination, body: text, headers: { ...headers, receipt } });
    const answer = await this.answer(receipt);
    const transactional = headers.transaction !== undefined;
    this.wire.sends.push({ connection: this.label, destination, body: text, transactional, answer });
    return answer;
  }

  async subscribe(
    destination: string,
    headers: Record<string, string> = {},
  ): Promise<{ id: string; answer: Frame | undefined }> {
    subscriptionCounter += 1;
    const id = headers.id ?? `sub-${subscriptionCounter}`;
    const receipt = this.nextReceipt();
    this.subscriptions.set(id, destination);
    this.stomp!.subscribe(destination, () => undefined, { ...headers, id, receipt });
    return { id, answer: await this.answer(receipt) };
  }

  unsubscribe(id: string): Promise<Frame | undefined> {
    const receipt = this.nextReceipt();
    this.stomp!.unsubscribe(id, { receipt });
    return this.answer(receipt);
  }

  /** A frame written as is, beside stompjs (same socket, so in order with its frames). */
  raw(frame: string): void {
    this.ws.send(frame);
  }

  /** MESSAGE frames on `destination` whose JSON body passes `match`. */
  message(destination: string, match: (body: Node) => boolean = () => true): Promise<Frame | undefined> {
    return this.waitFor(
      (frame) =>
        frame.command === 'MESSAGE' && frame.headers.destination === destination && match(bodyOf(frame)),
    );
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    if (this.stomp) await this.stomp.deactivate();
    this.ws.close();
    await this.closed;
  }
}

const bodyOf = (frame: Frame): Node => {
  try {
    const body: unknown = JSON.parse(frame.body);
    return isNode(body) ? body : {};
  } catch {
    return {};
  }
};

/** The stored line's id a MESSAGE carries (a well-formed id that names nothing when the frame never came). */
const messageIdOf = (frame: Frame | undefined): string => {
  const id = frame && bodyOf(frame).messageId;
  return typeof id === 'string' ? id : '0'.repeat(26);
};

class Wire {
  readonly frames: Frame[] = [];
  readonly sends: SentFrame[] = [];
  readonly taps: Tap[] = [];

  constructor(private readonly url: string) {}

  /** A stompjs client; resolves once CONNECTED (or the ERROR refusing it) has come. */
  async connect(
    label: string,
    user: TestUser | undefined,
    connectHeaders?: Record<string, string>,
  ): Promise<Tap> {
    const tap = this.socketFor(label);
    tap.stomp = new Client({
      webSocketFactory: () => tap.ws,
      connectHeaders: connectHeaders ?? (user ? { Authorization: `Bearer ${user.token}` } : {}),
      reconnectDelay: 0,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
      debug: () => undefined,
    });
    tap.stomp.activate();
    await tap.waitFor((frame) => frame.command === 'CONNECTED' || frame.command === 'ERROR', 5_000);
    return tap;
  }

  /** A bare socket, for frames stompjs would never write. */
  async socket(label: string): Promise<Tap> {
    const tap = this.socketFor(label);
    await once(tap.ws, 'open');
    return tap;
  }

  tapOf(label: string): Tap | undefined {
    return this.taps.find((tap) => tap.label === label);
  }

  closeAll(): Promise<unknown> {
    return Promise.allSettled(this.taps.map((tap) => tap.close()));
  }

  private socketFor(label: string): Tap {
    if (this.tapOf(label)) throw new Error(`two connections labelled ${label}`);
    const tap = new Tap(label, this.url, this);
    this.taps.push(tap);
    return tap;
  }
}

// ---------------------------------------------------------------------------------------------
// Findings, counted so that one wrong field on every frame reads as one line

class Findings {
  private readonly found = new Map<string, { count: number; example: string }>();

  add(finding: string, example = ''): void {
    const entry = this.found.get(finding);
    if (entry) entry.count += 1;
    else this.found.set(finding, { count: 1, example });
  }

  list(): string[] {
    return [...this.found].map(
      ([finding, { count, example }]) =>
        `${finding}${count > 1 ? ` (${count} times)` : ''}${example ? ` — e.g. ${example}` : ''}`,
    );
  }
}

const excerpt = (frame: Frame): string =>
  `${frame.connection}: ${frame.command} ${JSON.stringify(frame.headers)} ${frame.body.slice(0, 300)}`;

const answered = (answer: Frame | undefined): string =>
  answer === undefined
    ? 'nothing'
    : answer.command === 'ERROR'
      ? `ERROR ${answer.headers.code} (${answer.headers.message})`
      : answer.command;

const withoutFraming = (headers: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !FRAMING_HEADERS.includes(name)));

/** A frame's headers and body against a documented message. */
function checkFrame(
  document: DocumentModel,
  findings: Findings,
  label: string,
  message: DocumentedMessage,
  frame: Frame,
): void {
  const headers = withoutFraming(frame.headers);
  if (message.node.headers === undefined) {
    if (Object.keys(headers).length > 0)
      findings.add(`${label}: headers ${Object.keys(headers).join(', ')}, but the document declares none`);
  } else {
    for (const problem of document.check(`${message.pointer}/headers`, headers))
      findings.add(`${label}: header ${problem}`, excerpt(frame));
  }
  for (const name of frame.repeated) findings.add(`${label}: header ${name} repeated`, excerpt(frame));

  const contentType = frame.headers['content-type'];
  if (frame.body === '') {
    if (contentType !== undefined) findings.add(`${label}: content-type ${contentType} without a body`);
    return;
  }
  if (message.node.payload === undefined) {
    findings.add(`${label}: a body, but the document declares no payload`, excerpt(frame));
    return;
  }
  if (contentType === undefined) {
    findings.add(`${label}: a body without content-type`, excerpt(frame));
    return;
  }
  let value: unknown = frame.body;
  if (contentType === 'application/json') {
    try {
      value = JSON.parse(frame.body);
    } catch {
      findings.add(`${label}: content-type application/json, but the body is not JSON`, excerpt(frame));
      return;
    }
  }
  for (const problem of document.check(`${message.pointer}/payload`, value))
    findings.add(`${label}: payload ${problem}`, excerpt(frame));
}

/** Every frame the server wrote, against the document; returns the operation messages seen. */
function checkFrames(document: DocumentModel, wire: Wire, findings: Findings, seen: Set<string>): void {
  for (const frame of wire.frames) {
    const tap = wire.tapOf(frame.connection)!;
    if (frame.command === 'MESSAGE') {
      checkMessage(document, findings, seen, tap, frame);
      continue;
    }
    const message = document.frameMessage(frame.command);
    if (!message) {
      findings.add(
        `${frame.command} frames: the document gives no message named ${frame.command} (components.messages) for their headers and body`,
        excerpt(frame),
      );
      continue;
    }
    seen.add(frame.command);
    checkFrame(document, findings, frame.command, message, frame);
    const receiptId = frame.headers['receipt-id'];
    if (receiptId !== undefined && !tap.receipts.has(receiptId))
      findings.add(`${frame.command}: receipt-id ${receiptId} names no receipt this connection asked for`);
    if (frame.command === 'ERROR' && !document.errorCodes.has(frame.headers.code))
      findings.add(`ERROR: code ${frame.headers.code} is not in x-stomp-errors`, excerpt(frame));
  }
}

function checkMessage(
  document: DocumentModel,
  findings: Findings,
  seen: Set<string>,
  tap: Tap,
  frame: Frame,
): void {
  const destination = frame.headers.destination;
  const found = document.channelFor(destination ?? '');
  if (!found) {
    findings.add(`MESSAGE to ${destination}: no channel has this address`, excerpt(frame));
    return;
  }
  const { channel, params } = found;
  const operations = document.operationsOn(channel, 'send');
  if (operations.length === 0) {
    findings.add(
      `MESSAGE on channel ${channel.key}: the document has no send operation there`,
      excerpt(frame),
    );
    return;
  }
  if (tap.subscriptions.get(frame.headers.subscription) !== destination)
    findings.add(
      `MESSAGE on ${channel.key}: subscription header is not this connection's subscription to the destination`,
      excerpt(frame),
    );
  let body: unknown;
  try {
    body = JSON.parse(frame.body);
  } catch {
    findings.add(`MESSAGE on ${channel.key}: the body is not JSON`, excerpt(frame));
    return;
  }
  const chosen = messageFor(document, operations, body);
  if (!chosen) {
    findings.add(
      `MESSAGE on ${channel.key}: type ${JSON.stringify(isNode(body) ? body.type : body)} is none of the messages ${operations
        .flatMap((operation) => operation.messages.map((message) => message.name))
        .join(', ')}`,
      excerpt(frame),
    );
    return;
  }
  const label = `MESSAGE ${chosen.operation.name}/${chosen.message.name}`;
  seen.add(`${chosen.operation.name}/${chosen.message.name}`);
  checkFrame(document, findings, label, chosen.message, frame);
  const documentedType = document.contentTypeOf(chosen.message);
  if (frame.headers['content-type'] !== documentedType)
    findings.add(
      `${label}: content-type ${frame.headers['content-type']}, documented ${documentedType}`,
      excerpt(frame),
    );
  for (const [name, value] of Object.entries(params)) {
    if (isNode(body) && name in body && body[name] !== value)
      findings.add(
        `${label}: ${name} ${String(body[name])} is not the address's ${name} ${value}`,
        excerpt(frame),
      );
  }
}

/** Each SEND's body against the payload of its destination: what the server took must pass, what it refused as invalid-payload must not. */
function checkSends(document: DocumentModel, wire: Wire, findings: Findings, seen: Set<string>): void {
  for (const sent of wire.sends) {
    if (sent.transactional) continue; // enlisted, not yet taken: COMMIT runs it
    const accepted = sent.answer?.command === 'RECEIPT';
    const refusedAsPayload =
      sent.answer?.command === 'ERROR' && sent.answer.headers.code === 'invalid-payload';
    const found = document.channelFor(sent.destination);
    const operations = found ? document.operationsOn(found.channel, 'receive') : [];
    if (operations.length === 0) {
      if (accepted)
        findings.add(
          `SEND ${sent.destination}: the server takes it, the document has no receive operation there`,
        );
      continue;
    }
    let body: unknown;
    try {
      body = JSON.parse(sent.body);
    } catch {
      if (accepted)
        findings.add(`SEND ${sent.destination}: the server took a body that is not JSON`, sent.body);
      continue;
    }
    const verdicts = operations.flatMap((operation) =>
      operation.messages.map((message) => ({
        operation,
        message,
        problems: document.check(`${message.pointer}/payload`, body),
      })),
    );
    const passing = verdicts.find((verdict) => verdict.problems.length === 0);
    if (accepted && passing) seen.add(`${passing.operation.name}/${passing.message.name}`);
    else if (accepted)
      findings.add(
        `SEND ${found!.channel.key}: the server took ${sent.body}, the document refuses it: ${verdicts
          .flatMap((verdict) => verdict.problems)
          .join('; ')}`,
      );
    else if (refusedAsPayload && passing)
      findings.add(
        `SEND ${found!.channel.key}: the server refused ${sent.body} (invalid-payload: ${sent.answer.headers.message}), the document accepts it`,
      );
  }
}

// ---------------------------------------------------------------------------------------------

describe('docs/asyncapi.yaml is what the chat server sends over STOMP', () => {
  const document = new DocumentModel(parse(readFileSync(documentPath, 'utf8')) as AsyncApiDocument);
  const clock = new ManualClock('2026-05-01T10:00:00.000Z');
  /** Events the chat server published on each event-log channel of the document, by channel key. */
  const logged = new Map<string, unknown[]>();
  const logSubscriptions: EventSubscription[] = [];
  let chat: TestChatServer;
  let wire: Wire;

  beforeAll(async () => {
    // The single node's in-memory bus is the event log here: watch every documented topic from the start.
    const bus = sharedInMemoryEventBus();
    for (const channel of document.channels.filter((candidate) => candidate.eventLog)) {
      const events: unknown[] = [];
      logged.set(channel.key, events);
      logSubscriptions.push(
        await bus.subscribe(channel.address as TopicName, `asyncapi-${randomUUID()}`, async (event) => {
          events.push(event);
        }),
      );
    }
    chat = await TestChatServer.start(
      {
        AUTH_CLOCK_TOLERANCE_SECONDS: '0',
        CHAT_MAX_CONTENT_LENGTH: String(MAX_CONTENT_LENGTH),
        CHAT_SEND_RATE_LIMIT: String(SEND_RATE_LIMIT),
        CHAT_SEND_RATE_WINDOW_SECONDS: '600',
        CHAT_REPLAY_MAX_MESSAGES: '2',
        CHAT_MAX_CONNECTIONS_PER_USER: String(MAX_CONNECTIONS_PER_USER),
        CHAT_HOUSEKEEPING_INTERVAL_MS: '20',
        CHAT_PRESENCE_HEARTBEAT_MS: String(ROOM_IDLE_MS),
      },
      {
        clock,
        presence: { PRESENCE_DEVICE_TTL_SECONDS: '60', PRESENCE_DISCONNECT_GRACE_SECONDS: '5' },
        presenceLookup: 'in-process',
      },
    );
    wire = new Wire(chat.wsUrl);
  });

  afterAll(async () => {
    await wire?.closeAll();
    await chat?.close();
    await Promise.all(logSubscriptions.map((subscription) => subscription.close()));
  });

  it('every frame matches its documented message, and every documented operation is seen', async () => {
    const findings = new Findings();
    const flow = (finding: string) => findings.add(`flow: ${finding}`);
    const expectAnswer = (what: string, answer: Frame | undefined, expected: string) => {
      const got = answer?.command === 'ERROR' ? answer.headers.code : answer?.command;
      if (got !== expected) flow(`${what}: expected ${expected}, got ${answered(answer)}`);
    };
    const expectFrame = (what: string, frame: Frame | undefined) => {
      if (!frame) flow(`${what}: never came`);
      return frame;
    };
    const isType =
      (type: string, extra: (body: Node) => boolean = () => true) =>
      (body: Node) =>
        body.type === type && extra(body);

    // A session whose token lapses in a few seconds: token-expired, while the rest runs. Not one
    // second: `exp` is in whole seconds, so such a token can lapse before its CONNECT arrives.
    const shortToken = await testIssuer.issue({ uid: `u-short-${randomUUID()}`, nickName: 'Short' }, 3);
    const short = await wire.connect('short-token', undefined, { Authorization: `Bearer ${shortToken}` });

    // A room nobody will be in: closed by the idle clean-up at the end.
    const olga = await chat.user({ nickName: 'Olga' });
    const idleRoom = await chat.createRoom(olga);

    // --- A room's life: join, lines, typing, read receipts, a transaction, presence, exit, leave, replay
    const ann = await chat.user({ nickName: 'Ann' });
    const room = await chat.createRoom(ann);
    const topic = `/chat/topic/room/${room.id}`;
    const annTap = await wire.connect('ann', ann);
    expectAnswer('ann subscribes to her events', (await annTap.subscribe(USER_EVENTS)).answer, 'RECEIPT');
    expectAnswer('ann subscribes to the room', (await annTap.subscribe(topic)).answer, 'RECEIPT');
    expectFrame(
      'PRESENCE on for ann',
      await annTap.message(
        topic,
        isType('PRESENCE', (body) => (body.sender as Node).uid === ann.uid),
      ),
    );

    const bob = await chat.user({ nickName: 'Bob' });
    const bobTap = await wire.connect('bob', bob);
    await bobTap.subscribe(USER_EVENTS);
    const joined = await bobTap.send('/chat/pub/join', { roomId: room.id });
    expectAnswer('bob joins', joined, 'RECEIPT');
    // Documented: the presence-status event comes before the join's RECEIPT.
    const status = bobTap.frames.findIndex(
      (frame) => frame.command === 'MESSAGE' && isType('presence-status')(bodyOf(frame)),
    );
    if (status === -1 || status > (joined ? bobTap.frames.indexOf(joined) : -1))
      flow('presence-status did not come before the RECEIPT of the join');
    const enter = expectFrame(
      'ENTER of bob',
      await annTap.message(
        topic,
        isType('ENTER', (body) => (body.sender as Node).uid === bob.uid),
      ),
    );
    await bobTap.subscribe(topic);
    expectAnswer(
      'bob sends a line',
      await bobTap.send('/chat/pub/send', {
        roomId: room.id,
        clientMessageId: 'bob-1',
        content: 'hello, room',
      }),
      'RECEIPT',
    );
    const talk = expectFrame(
      'TALK of bob',
      await annTap.message(
        topic,
        isType('TALK', (body) => body.clientMessageId === 'bob-1'),
      ),
    );
    expectAnswer('bob types', await bobTap.send('/chat/pub/typing', { roomId: room.id }), 'RECEIPT');
    expectFrame('TYPING of bob', await annTap.message(topic, isType('TYPING')));
    const talkId = messageIdOf(talk);
    expectAnswer(
      'ann reads',
      await annTap.send('/chat/pub/read', { roomId: room.id, messageId: talkId }),
      'RECEIPT',
    );
    expectFrame('READ of ann', await bobTap.message(topic, isType('READ')));

    // A line in a transaction: enlisted, then stored at COMMIT.
    bobTap.stomp!.begin('tx-1');
    expectAnswer(
      'a SEND in a transaction',
      await bobTap.send(
        '/chat/pub/send',
        { roomId: room.id, clientMessageId: 'bob-tx', content: 'in a transaction' },
        { transaction: 'tx-1' },
      ),
      'RECEIPT',
    );
    const commit = bobTap.nextReceipt();
    bobTap.raw(`COMMIT\ntransaction:tx-1\nreceipt:${commit}\n\n\0`);
    expectAnswer('COMMIT', await bobTap.answer(commit), 'RECEIPT');
    expectFrame(
      'the committed TALK',
      await annTap.message(
        topic,
        isType('TALK', (b) => b.clientMessageId === 'bob-tx'),
      ),
    );

    // ABORT drops what the transaction held.
    bobTap.stomp!.begin('tx-2');
    await bobTap.send(
      '/chat/pub/send',
      { roomId: room.id, clientMessageId: 'bob-aborted', content: 'never stored' },
      { transaction: 'tx-2' },
    );
    const abort = bobTap.nextReceipt();
    bobTap.raw(`ABORT\ntransaction:tx-2\nreceipt:${abort}\n\n\0`);
    expectAnswer('ABORT', await bobTap.answer(abort), 'RECEIPT');

    // A client-acknowledged subscription: its MESSAGEs carry an ack id; ACK, then leave the view (UNSUBSCRIBE).
    const acked = await bobTap.subscribe(topic, { ack: 'client-individual' });
    expectAnswer('a client-individual SUBSCRIBE', acked.answer, 'RECEIPT');
    const viaHttp = await bob.api.post('/v1/api/chat/api/v1/message', {
      roomId: room.id,
      clientMessageId: 'bob-http',
      content: 'over HTTP',
    });
    if (viaHttp.status !== 201) flow(`a line over HTTP: ${viaHttp.status}`);
    const ackable = expectFrame(
      'a MESSAGE to acknowledge',
      await bobTap.waitFor(
        (frame) => frame.headers.subscription === acked.id && bodyOf(frame).clientMessageId === 'bob-http',
      ),
    );
    const ack = bobTap.nextReceipt();
    bobTap.raw(`ACK\nid:${ackable?.headers.ack}\nreceipt:${ack}\n\n\0`);
    expectAnswer('ACK', await bobTap.answer(ack), 'RECEIPT');
    expectAnswer('UNSUBSCRIBE', await bobTap.unsubscribe(acked.id), 'RECEIPT');

    // Cat appears offline: PRESENCE off, presence-status mayChat false, lines refused; bob's next line is handed to push.
    const cat = await chat.user({ nickName: 'Cat' });
    const catTap = await wire.connect('cat', cat);
    await catTap.subscribe(USER_EVENTS);
    expectAnswer('cat joins', await catTap.send('/chat/pub/join', { roomId: room.id }), 'RECEIPT');
    await catTap.subscribe(topic);
    const off = await chat.presenceApi(cat).patch('/api/v1/presence/off', { roomId: room.id });
    if (off.status !== 200) flow(`PATCH presence/off: ${off.status}`);
    expectFrame(
      'PRESENCE off for cat',
      await annTap.message(
        topic,
        isType('PRESENCE', (b) => b.state === 'off' && (b.sender as Node).uid === cat.uid),
      ),
    );
    expectAnswer('cat joins again', await catTap.send('/chat/pub/join', { roomId: room.id }), 'RECEIPT');
    expectFrame(
      'presence-status mayChat false',
      await catTap.message(
        USER_EVENTS,
        isType('presence-status', (body) => body.mayChat === false),
      ),
    );
    await bobTap.send('/chat/pub/send', {
      roomId: room.id,
      clientMessageId: 'bob-2',
      content: 'cat is away',
    });
    expectAnswer(
      'cat sends while off',
      await catTap.send('/chat/pub/send', { roomId: room.id, clientMessageId: 'cat-1', content: 'psst' }),
      'presence-off',
    );

    // Dave joins, then leaves for good (EXIT); bob leaves for now.
    const dave = await chat.user({ nickName: 'Dave' });
    const daveTap = await wire.connect('dave', dave);
    expectAnswer('dave joins', await daveTap.send('/chat/pub/join', { roomId: room.id }), 'RECEIPT');
    const exit = await dave.api.post(`/v1/api/rooms/exit/${room.id}`);
    if (exit.status !== 200 && exit.status !== 201) flow(`dave exits: ${exit.status}`);
    expectFrame('EXIT of dave', await annTap.message(topic, isType('EXIT')));
    const leave = await bob.api.put('/v1/api/rooms/leave', { roomId: room.id, lastReadMessageId: talkId });
    if (leave.status !== 200) flow(`bob leaves for now: ${leave.status}`);

    // Catching up from bob's ENTER: more was missed than CHAT_REPLAY_MAX_MESSAGES (2) replays.
    const replay = await annTap.subscribe(topic, {
      'last-message-id': messageIdOf(enter),
    });
    expectAnswer('a SUBSCRIBE with last-message-id', replay.answer, 'RECEIPT');
    expectFrame(
      'a replayed line with replay-truncated',
      annTap.frames.find(
        (frame) =>
          frame.headers.subscription === replay.id && frame.headers['replay-truncated'] !== undefined,
      ),
    );

    // --- Eviction: a fifth room takes eve out of the first (room-evicted, and EXIT there).
    const owners = await Promise.all([1, 2, 3, 4, 5].map((n) => chat.user({ nickName: `Owner ${n}` })));
    const rooms = await Promise.all(owners.map((owner) => chat.createRoom(owner)));
    const firstTap = await wire.connect('owner-1', owners[0]);
    await firstTap.subscribe(`/chat/topic/room/${rooms[0].id}`);
    const eve = await chat.user({ nickName: 'Eve' });
    const eveTap = await wire.connect('eve', eve);
    await eveTap.subscribe(USER_EVENTS);
    for (const joining of rooms)
      expectAnswer('eve joins', await eveTap.send('/chat/pub/join', { roomId: joining.id }), 'RECEIPT');
    expectFrame('room-evicted', await eveTap.message(USER_EVENTS, isType('room-evicted')));
    expectFrame(
      'EXIT of eve',
      await firstTap.message(
        `/chat/topic/room/${rooms[0].id}`,
        isType('EXIT', (b) => (b.sender as Node).uid === eve.uid),
      ),
    );

    // --- Refusals: each on a connection of its own (an ERROR ends the session).
    const unknownRoom = randomUUID();
    const member = async (label: string): Promise<Tap> => {
      const tap = await wire.connect(label, await chat.user({ nickName: label }));
      expectAnswer(`${label} joins`, await tap.send('/chat/pub/join', { roomId: room.id }), 'RECEIPT');
      return tap;
    };
    const stranger = async (label: string): Promise<Tap> =>
      wire.connect(label, await chat.user({ nickName: label }));
    const refusals: Record<string, () => Promise<Frame | undefined>> = {
      'invalid-payload (send)': async () =>
        (await stranger('bad-send')).send('/chat/pub/send', { roomId: 'nope' }),
      'invalid-payload (blank content)': async () =>
        (await stranger('blank')).send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: 'b',
          content: ' \t',
        }),
      'invalid-payload (read)': async () =>
        (await stranger('bad-read')).send('/chat/pub/read', { roomId: room.id, messageId: 'not-an-id' }),
      'invalid-payload (unknown field)': async () =>
        (await stranger('extra-field')).send('/chat/pub/join', { roomId: room.id, extra: true }),
      'invalid-payload (last-message-id)': async () =>
        (await (await member('bad-replay')).subscribe(topic, { 'last-message-id': 'yesterday' })).answer,
      'invalid-json': async () => (await stranger('not-json')).send('/chat/pub/join', '{"roomId": '),
      'not-a-member': async () => (await (await stranger('outsider')).subscribe(topic)).answer,
      'unknown-room': async () => (await stranger('lost')).send('/chat/pub/join', { roomId: unknownRoom }),
      'content-too-long': async () =>
        (await member('long')).send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: 'long-1',
          content: 'x'.repeat(MAX_CONTENT_LENGTH + 1),
        }),
      'content-too-long (at COMMIT)': async () => {
        const tap = await member('long-in-tx');
        tap.stomp!.begin('tx');
        const line = {
          roomId: room.id,
          clientMessageId: 'long-tx',
          content: 'x'.repeat(MAX_CONTENT_LENGTH + 1),
        };
        const enlisted = await tap.send('/chat/pub/send', line, { transaction: 'tx' });
        if (enlisted?.command !== 'RECEIPT') return enlisted;
        const commit = tap.nextReceipt();
        tap.raw(`COMMIT\ntransaction:tx\nreceipt:${commit}\n\n\0`);
        const answer = await tap.answer(commit);
        // Documented: the COMMIT's ERROR names the COMMIT's receipt.
        if (answer?.headers['receipt-id'] !== commit)
          flow(`the ERROR of a refused COMMIT: ${answer ? excerpt(answer) : 'none'}`);
        return answer;
      },
      'client-message-id-taken': async () =>
        (await member('copycat')).send('/chat/pub/send', {
          roomId: room.id,
          clientMessageId: 'bob-1',
          content: 'me too',
        }),
      'rate-limited': async () => {
        const tap = await member('chatty');
        let answer: Frame | undefined;
        for (let n = 0; n <= SEND_RATE_LIMIT && answer?.command !== 'ERROR'; n += 1)
          answer = await tap.send('/chat/pub/send', {
            roomId: room.id,
            clientMessageId: `chatty-${n}`,
            content: `${n}`,
          });
        return answer;
      },
      unauthorized: async () =>
        (await wire.connect('forged', undefined, { Authorization: 'Bearer not-a-token' })).waitFor(
          (frame) => frame.command === 'ERROR',
        ),
      'too-many-connections': async () => {
        const many = await chat.user({ nickName: 'Many' });
        for (let n = 1; n <= MAX_CONNECTIONS_PER_USER; n += 1) await wire.connect(`many-${n}`, many);
        return (await wire.connect('many-over', many)).waitFor((frame) => frame.command === 'ERROR');
      },
      'unknown-destination': async () => (await stranger('nowhere')).send('/chat/pub/nowhere', {}),
      'duplicate-subscription': async () => {
        const tap = await stranger('twice');
        await tap.subscribe(USER_EVENTS, { id: 'same' });
        return (await tap.subscribe(USER_EVENTS, { id: 'same' })).answer;
      },
      'unknown-subscription': async () => (await stranger('unsubscriber')).unsubscribe('never-made'),
      'unknown-transaction': async () => {
        const tap = await stranger('no-tx');
        const receipt = tap.nextReceipt();
        tap.raw(`COMMIT\ntransaction:never-begun\nreceipt:${receipt}\n\n\0`);
        return tap.answer(receipt);
      },
      'duplicate-transaction': async () => {
        const tap = await stranger('tx-twice');
        tap.stomp!.begin('tx');
        const receipt = tap.nextReceipt();
        tap.raw(`BEGIN\ntransaction:tx\nreceipt:${receipt}\n\n\0`);
        return tap.answer(receipt);
      },
      'missing-header': async () => {
        const tap = await stranger('no-destination');
        const receipt = tap.nextReceipt();
        tap.raw(`SUBSCRIBE\nid:s-1\nreceipt:${receipt}\n\n\0`);
        return tap.answer(receipt);
      },
      'invalid-header': async () =>
        (await (await stranger('ack-mode')).subscribe(USER_EVENTS, { ack: 'sometimes' })).answer,
      'header-too-long': async () =>
        (await stranger('long-receipt')).send(
          '/chat/pub/join',
          { roomId: room.id },
          { receipt: 'r'.repeat(200) },
        ),
      'unknown-command': async () => {
        const tap = await stranger('hello');
        tap.raw('HELLO\n\n\0');
        return tap.waitFor((frame) => frame.command === 'ERROR');
      },
      'already-connected': async () => {
        const tap = await stranger('connect-twice');
        tap.raw('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0');
        return tap.waitFor((frame) => frame.command === 'ERROR');
      },
      'not-connected': async () => {
        const tap = await wire.socket('raw-send-first');
        tap.raw(`SEND\ndestination:/chat/pub/join\nreceipt:${tap.nextReceipt()}\n\n{}\0`);
        return tap.waitFor((frame) => frame.command === 'ERROR');
      },
      'unsupported-version': async () => {
        const tap = await wire.socket('raw-version');
        tap.raw('CONNECT\naccept-version:9.9\nhost:localhost\n\n\0');
        return tap.waitFor((frame) => frame.command === 'ERROR');
      },
      'invalid-heart-beat': async () => {
        const tap = await wire.socket('raw-heart-beat');
        tap.raw('CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:soon\n\n\0');
        return tap.waitFor((frame) => frame.command === 'ERROR');
      },
      'malformed-header': async () => {
        const tap = await stranger('no-colon');
        tap.raw('SEND\nno-colon-here\n\n\0');
        return tap.waitFor((frame) => frame.command === 'ERROR');
      },
      'invalid-escape': async () => {
        const tap = await stranger('bad-escape');
        tap.raw('SEND\ndestination:/chat/pub/join\\t\n\n{}\0');
        return tap.waitFor((frame) => frame.command === 'ERROR');
      },
      'invalid-content-length': async () => {
        const tap = await stranger('bad-length');
        tap.raw('SEND\ndestination:/chat/pub/join\ncontent-length:lots\n\n{}\0');
        return tap.waitFor((frame) => frame.command === 'ERROR');
      },
      'body-too-large': async () => {
        const tap = await stranger('big-body');
        tap.raw(`SEND\ndestination:/chat/pub/join\n\n${'x'.repeat(70_000)}\0`);
        return tap.waitFor((frame) => frame.command === 'ERROR');
      },
    };
    await Promise.all(
      Object.entries(refusals).map(async ([what, refuse]) =>
        expectAnswer(what, await refuse(), what.split(' ')[0]),
      ),
    );
    // Bodies at the edges of their documented shapes: checkSends holds the document to the server's verdict.
    const uuidVersion0 = `${room.id.slice(0, 14)}0${room.id.slice(15)}`;
    const edges: [string, string, unknown][] = [
      [
        '/chat/pub/send',
        'id-64',
        { roomId: room.id, clientMessageId: 'i'.repeat(64), content: 'longest id' },
      ],
      [
        '/chat/pub/send',
        'id-65',
        { roomId: room.id, clientMessageId: 'i'.repeat(65), content: 'too long an id' },
      ],
      ['/chat/pub/send', 'id-number', { roomId: room.id, clientMessageId: 5, content: 'numbered' }],
      ['/chat/pub/send', 'empty', { roomId: room.id, clientMessageId: 'empty', content: '' }],
      ['/chat/pub/join', 'urn', { roomId: `urn:uuid:${room.id}` }],
      ['/chat/pub/join', 'uuid-v0', { roomId: uuidVersion0 }],
      ['/chat/pub/join', 'upper-room', { roomId: room.id.toUpperCase() }],
      ['/chat/pub/join', 'array', [room.id]],
      ['/chat/pub/read', 'upper-id', { roomId: room.id, messageId: talkId.toUpperCase() }],
    ];
    await Promise.all(
      edges.map(async ([destination, label, body]) =>
        (await member(`edge-${label}`)).send(destination, body),
      ),
    );

    // Claims of the descriptions that no schema can hold.
    const cats = annTap.frames.filter(
      (frame) =>
        frame.headers.subscription !== replay.id &&
        isType('ENTER', (b) => (b.sender as Node).uid === cat.uid)(bodyOf(frame)),
    );
    if (cats.length !== 1)
      findings.add(`claim: a join is idempotent, yet cat's two joins gave ${cats.length} ENTER`);
    for (const event of [...logged.values()].flat() as Node[]) {
      const payload = isNode(event.payload) ? event.payload : {};
      if (
        (payload.recipients as string[] | undefined)?.includes(
          (payload.sender as Node | undefined)?.uid as string,
        )
      )
        findings.add(
          'claim: the sender of a line is never a recipient of its push hand-off',
          JSON.stringify(event),
        );
    }

    expectAnswer(
      'a token that lapsed',
      await short.waitFor((frame) => frame.command === 'ERROR', 10_000),
      'token-expired',
    );

    // --- A room closed by the idle clean-up: joining or showing it is unknown-room.
    clock.advance(ROOM_IDLE_MS + 60_000);
    await expectEventually(async () =>
      expect((await olga.api.get(`/v1/api/rooms/${idleRoom.id}`)).status).toBe(404),
    ).catch(() => flow('the idle room was not closed'));
    expectAnswer(
      'joining a closed room',
      await (await stranger('late')).send('/chat/pub/join', { roomId: idleRoom.id }),
      'unknown-room',
    );
    expectAnswer(
      'showing a closed room',
      (await (await wire.connect('olga', olga)).subscribe(`/chat/topic/room/${idleRoom.id}`)).answer,
      'unknown-room',
    );

    // --- Everything the server wrote, and everything it took, against the document.
    const seen = new Set<string>();
    checkFrames(document, wire, findings, seen);
    checkSends(document, wire, findings, seen);
    for (const channel of document.channels.filter((candidate) => candidate.eventLog)) {
      const operations = document.operationsOn(channel, 'send');
      for (const event of logged.get(channel.key) ?? []) {
        const chosen = messageFor(document, operations, event);
        if (!chosen) {
          findings.add(`event on ${channel.address}: none of its documented messages`, JSON.stringify(event));
          continue;
        }
        seen.add(`${chosen.operation.name}/${chosen.message.name}`);
        for (const problem of document.check(`${chosen.message.pointer}/payload`, event))
          findings.add(
            `event ${chosen.operation.name}/${chosen.message.name}: payload ${problem}`,
            JSON.stringify(event),
          );
      }
    }

    // --- The document's own examples, against the same schemas.
    for (const key of Object.keys(document.document.components.messages)) {
      const message = document.message(`#/components/messages/${key}`);
      for (const [index, example] of ((message.node.examples as Node[] | undefined) ?? []).entries()) {
        for (const part of ['headers', 'payload'])
          if (example[part] !== undefined)
            for (const problem of document.check(`${message.pointer}/${part}`, example[part]))
              findings.add(`example ${index + 1} of ${key}: ${part} ${problem}`);
      }
    }

    // --- Coverage: every documented operation's every message, and the frames every session gets.
    for (const operation of document.operations) {
      for (const message of operation.messages) {
        const key = `${operation.name}/${message.name}`;
        const reason = NOT_EXERCISED[key];
        if (seen.has(key) && reason !== undefined)
          findings.add(`coverage: ${key} is seen now; remove it from NOT_EXERCISED`);
        else if (!seen.has(key) && reason === undefined)
          findings.add(
            `coverage: ${key} (${operation.action} on ${operation.channel.address}): ${
              operation.action === 'send' ? 'the server never sent one' : 'no SEND of it was taken'
            }; drive it, or list it in NOT_EXERCISED with a reason`,
          );
      }
    }
    for (const command of ['CONNECTED', 'RECEIPT', 'ERROR'])
      if (!seen.has(command) && document.frameMessage(command))
        findings.add(`coverage: no ${command} frame was checked`);

    expect(findings.list()).toEqual([]);
  });
});
