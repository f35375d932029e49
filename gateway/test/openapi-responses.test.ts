import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ChatMessage } from '@playlist-chat/contracts';
import { expectEventually } from '@playlist-chat/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestStompClient, type Inbox } from '../../chat-server/test/support/stomp-client';
import { singleNodeEnv, startWholeProduct, type WholeProduct } from './support/whole-product';

/**
 * The published OpenAPI documents (docs/openapi/, which clients are generated from) hold for
 * what the real product answers: presence server, chat server and gateway in one process, as
 * `npm start` runs them. Every operation of both documents is called, for its success and for
 * the refusals that are easy to provoke, and every answer's status, Content-Type and body are
 * checked against the document, a field the document does not declare included.
 */

type Service = 'chat-server' | 'presence-server';
type Node = Record<string, unknown>;

interface ResponseObject {
  readonly content?: Record<string, { schema?: unknown }>;
}

interface OperationObject {
  readonly responses: Record<string, ResponseObject>;
}

interface OpenApi {
  readonly paths: Record<string, Record<string, OperationObject>>;
  readonly components: { schemas: Record<string, Node> };
}

const repoRoot = join(__dirname, '..', '..');
const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** `chat-server GET /v1/api/rooms/{roomId} 421` → `UnknownHost`: the statuses answered by a shared response. */
const sharedResponses = new Map<string, string>();

/**
 * A document as its file holds it, each shared response (`#/components/responses/…`: the
 * refusals made before any route) written out where an operation uses it, as a reader of that
 * operation sees it.
 */
function loadDocument(service: Service): OpenApi {
  const document = JSON.parse(
    readFileSync(join(repoRoot, `docs/openapi/${service}.json`), 'utf8'),
  ) as OpenApi & {
    components: { responses?: Record<string, ResponseObject> };
  };
  for (const [path, item] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(item)) {
      if (!httpMethods.includes(method)) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        const ref = (response as { $ref?: string }).$ref;
        if (!ref) continue;
        const name = ref.replace('#/components/responses/', '');
        const shared = document.components.responses?.[name];
        if (!shared) throw new Error(`${service}: ${ref} is not in components.responses`);
        operation.responses[status] = structuredClone(shared);
        sharedResponses.set(`${service} ${method.toUpperCase()} ${path} ${status}`, name);
      }
    }
  return document;
}

const documents: Record<Service, OpenApi> = {
  'chat-server': loadDocument('chat-server'),
  'presence-server': loadDocument('presence-server'),
};

/** `chat-server GET /v1/api/rooms/{roomId}`: an operation, as the cases below are keyed. */
const operationKeys = (Object.keys(documents) as Service[]).flatMap((service) =>
  Object.entries(documents[service].paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => httpMethods.includes(method))
      .map((method) => `${service} ${method.toUpperCase()} ${path}`),
  ),
);

function parseKey(key: string): { service: Service; method: string; path: string } {
  const [service, method, path] = key.split(' ');
  return { service: service as Service, method, path };
}

const operationOf = (key: string): OperationObject => {
  const { service, method, path } = parseKey(key);
  return documents[service].paths[path][method.toLowerCase()];
};

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Makes a schema strict in place: an object schema that lists its properties and says nothing of
 * others gets `additionalProperties: false`, so a field the server sends and the document does
 * not declare fails. A schema that declares `additionalProperties` (a map, a health report) keeps it.
 */
function closeObjects(schema: unknown): void {
  if (!isNode(schema)) return;
  if (isNode(schema.properties)) {
    schema.additionalProperties ??= false;
    Object.values(schema.properties).forEach(closeObjects);
  }
  if (isNode(schema.additionalProperties)) closeObjects(schema.additionalProperties);
  closeObjects(schema.items);
  closeObjects(schema.not);
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    const members = schema[keyword];
    if (!Array.isArray(members)) continue;
    // Closed objects cannot be combined: each would refuse the other's fields.
    if (keyword === 'allOf' && members.length > 1)
      throw new Error(`an allOf of ${members.length} schemas cannot be made strict; extend this test`);
    members.forEach(closeObjects);
  }
}

/** Every document, strict, added whole to one Ajv so `#/components/schemas/...` resolve in it. */
function strictValidators(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const service of Object.keys(documents) as Service[]) {
    const copy = structuredClone(documents[service]);
    Object.values(copy.components.schemas).forEach(closeObjects);
    for (const item of Object.values(copy.paths))
      for (const operation of Object.values(item))
        for (const response of Object.values(operation.responses ?? {}))
          for (const media of Object.values(response.content ?? {})) closeObjects(media.schema);
    ajv.addSchema(copy, service);
  }
  return ajv;
}

const pointer = (...parts: string[]): string =>
  parts.map((part) => `/${part.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

/** The value at an Ajv instance path, shortened for a report. */
function valueAt(body: unknown, instancePath: string): string {
  let value = body;
  for (const part of instancePath.split('/').slice(1))
    value = (value as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A schema error as a problem (array indices as `*`, so each is reported once) and the value that showed it. */
function describeError(error: ErrorObject, body: unknown): { problem: string; detail?: string } {
  const at = error.instancePath.replace(/\/\d+(?=\/|$)/g, '/*') || '(the body)';
  if (error.keyword === 'additionalProperties')
    return {
      problem: `${at} has "${String(error.params.additionalProperty)}", which the document does not declare`,
    };
  if (error.keyword === 'required') return { problem: `${at} ${error.message}` };
  return {
    problem: `${at} ${error.message} (schema ${error.schemaPath})`,
    detail: `${error.instancePath || '(the body)'} = ${valueAt(body, error.instancePath)}`,
  };
}

interface CallOptions {
  /** The caller's token; default Ann's; null: no Authorization header. */
  readonly as?: string | null;
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  /** A JSON body. */
  readonly json?: unknown;
  /** A body sent as is, with its Content-Type. */
  readonly raw?: { readonly body: string; readonly contentType: string };
  readonly headers?: Record<string, string>;
  /** A `Host` header of its own (fetch always sends the URL's, so the call goes over node:http). */
  readonly host?: string;
  /** The status this call is meant to provoke; another one is reported. */
  readonly expect?: number;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

interface Exchange {
  readonly key: string;
  readonly request: string;
  readonly expected?: number;
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
}

type Call = (options?: CallOptions) => Promise<Answer>;

/** A request over node:http with the `Host` given, read into a fetch-like Response. */
function requestWithHost(
  url: string,
  host: string,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: init.method, headers: { ...init.headers, host } }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(incoming.headers))
          for (const one of [value ?? []].flat()) headers.append(name, one);
        resolve(new Response(Buffer.concat(chunks), { status: incoming.statusCode, headers }));
      });
    });
    outgoing.on('error', reject);
    outgoing.end(init.body);
  });
}

describe('OpenAPI documents against the real answers (docs/openapi/*.json)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openapi-responses-'));
  const internalToken = 'openapi-responses-internal-token';
  const env = singleNodeEnv(dataDir, {
    // An operator's token for the list of every room.
    AUTH_DEV_TOKEN_SCOPES: 'rooms:admin',
    // So that the internal API's 401 can be seen.
    PRESENCE_INTERNAL_TOKEN: internalToken,
  });
  let product: WholeProduct | undefined;
  const stompClients: TestStompClient[] = [];
  const urls = { gateway: '', 'chat-server': '', 'presence-server': '' };
  const exchanges: Exchange[] = [];
  /** Cases that could not run as written (not a document problem, but nothing was checked there). */
  const caseFailures: string[] = [];

  const internal = { 'x-internal-token': internalToken };
  const tokens = { ann: '', bob: '', cleo: '', ops: '', dan: '' };
  let roomA: string;
  let roomB: string;
  /** The newest of the rooms Dan opens, to reach his per-user limits in. */
  let danRoom: string;
  let bobInbox: Inbox;
  const lines: ChatMessage[] = [];

  /** A call of the operation `key`: the gateway for what it routes, the service itself for /health and /internal. */
  const operation =
    (key: string): Call =>
    async (options = {}) => {
      const { service, method, path } = parseKey(key);
      const own = path.startsWith('/health/') || path.startsWith('/internal/');
      let target = path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const value = options.params?.[name];
        if (value === undefined) throw new Error(`${key}: no value for path parameter ${name}`);
        return encodeURIComponent(value);
      });
      if (options.query) target += `?${new URLSearchParams(options.query).toString()}`;
      const token = options.as === undefined ? tokens.ann : options.as;
      const headers: Record<string, string> = {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.raw ? { 'content-type': options.raw.contentType } : {}),
        ...options.headers,
      };
      const url = `${own ? urls[service] : urls.gateway}${target}`;
      const sent =
        options.raw?.body ?? (options.json !== undefined ? JSON.stringify(options.json) : undefined);
      const response = options.host
        ? await requestWithHost(url, options.host, { method, headers, body: sent })
        : await fetch(url, { method, headers, body: sent });
      const text = await response.text();
      const contentType = response.headers.get('content-type');
      exchanges.push({
        key,
        request: `${method} ${target.length > 120 ? `${target.slice(0, 117)}...` : target}`,
        expected: options.expect,
        status: response.status,
        contentType,
        text,
      });
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: the check below reports it if JSON was documented
      }
      return { status: response.status, headers: response.headers, body };
    };

  const devToken = operation('chat-server POST /v1/api/auth/dev-token');
  const createRoom = operation('chat-server POST /v1/api/rooms/create');
  const sendLine = operation('chat-server POST /v1/api/chat/api/v1/message');
  const presenceOn = operation('presence-server GET /api/v1/presence/{roomId}/on');

  const playlist = (id: string) => ({
    id,
    name: 'Late night jazz',
    musics: [
      {
        title: 'So What',
        artist: 'Miles Davis',
        playtime: '9:22',
        thumbnail: 'https://img.example.com/so-what.jpg',
      },
      { title: 'Naima', artist: '', playtime: '4:21', thumbnail: 'https://img.example.com/naima.jpg' },
      {
        title: 'A Love Supreme, Pt. I',
        artist: 'John Coltrane',
        playtime: '1:07:45',
        thumbnail: 'https://img.example.com/supreme.jpg',
      },
    ],
  });
  const createBody = (uid: string, userName: string, playlistId: string) => ({
    uid,
    userName,
    ...(uid === 'u-ann' ? { profileImage: 'https://img.example.com/ann.png' } : {}),
    playlist: playlist(playlistId),
  });
  const big = 'x'.repeat(200 * 1024);
  const notJson = (body: unknown) => ({ raw: { body: JSON.stringify(body), contentType: 'text/plain' } });
  const unknownRoom = randomUUID();

  const idOf = (answer: Answer): string => (answer.body as { id: string }).id;
  const say = async (as: string, roomId: string, clientMessageId: string, content: string) => {
    const answer = await sendLine({ as, json: { roomId, clientMessageId, content }, expect: 201 });
    lines.push(answer.body as ChatMessage);
    return answer.body as ChatMessage;
  };

  /** Waits until the last PRESENCE of Bob's that his subscription to room A heard says `state`. */
  const bobHeard = (state: 'on' | 'off') =>
    expectEventually(() =>
      expect(
        bobInbox
          .ofType('PRESENCE')
          .filter((message) => message.sender.uid === 'u-bob')
          .at(-1)?.state,
      ).toBe(state),
    );

  /**
   * What each operation is called with, in this order (later cases rely on what earlier ones
   * did). A new operation in a document without a case here fails the test.
   */
  const cases: Record<string, (call: Call) => Promise<void>> = {
    'chat-server GET /health/live': async (call) => {
      await call({ expect: 200 });
    },
    'chat-server GET /health/ready': async (call) => {
      await call({ expect: 200 });
    },
    'chat-server POST /v1/api/auth/dev-token': async (call) => {
      await call({
        as: null,
        json: { uid: 'u-eve', nickName: 'Eve', profileImage: 'https://img.example.com/eve.png' },
        expect: 200,
      });
      await call({ as: null, json: { uid: 'u-eve' }, expect: 400 });
      await call({ as: null, json: { uid: 'u-eve', nickName: 'Eve', scope: 'rooms:create' }, expect: 400 });
      await call({ as: null, json: { uid: 'u-eve', nickName: big }, expect: 413 });
      await call({ as: null, ...notJson({ uid: 'u-eve', nickName: 'Eve' }), expect: 415 });
    },
    'chat-server POST /v1/api/rooms/create': async (call) => {
      // Room A and B were opened (201) while setting up.
      await call({ json: createBody('u-ann', 'Ann', 'pl-a'), expect: 200 });
      const badPlaytime = createBody('u-ann', 'Ann', 'pl-bad');
      badPlaytime.playlist.musics[0].playtime = '9:99';
      await call({ json: badPlaytime, expect: 400 });
      await call({ as: null, json: createBody('u-ann', 'Ann', 'pl-c'), expect: 401 });
      await call({ json: createBody('u-bob', 'Bob', 'pl-c'), expect: 403 });
      await call({ json: { ...createBody('u-ann', 'Ann', 'pl-c'), userName: big }, expect: 413 });
      await call({ ...notJson(createBody('u-ann', 'Ann', 'pl-c')), expect: 415 });
      // CHAT_CREATE_RATE_LIMIT: 10 rooms a minute per user (docs/api.md, "Limits per user").
      for (let n = 1; n <= 10; n += 1) {
        const opened = await call({
          as: tokens.dan,
          json: createBody('u-dan', 'Dan', `pl-dan-${n}`),
          expect: 201,
        });
        danRoom = idOf(opened);
      }
      await call({ as: tokens.dan, json: createBody('u-dan', 'Dan', 'pl-dan-11'), expect: 429 });
    },
    'chat-server GET /v1/api/rooms/joined': async (call) => {
      const first = await call({ query: { size: '1' }, expect: 200 });
      const cursor = first.headers.get('x-next-cursor');
      if (!cursor) throw new Error('no X-Next-Cursor on a page of 1 of 2 rooms');
      await call({ query: { size: '1', cursor }, expect: 200 });
      await call({ as: tokens.bob, expect: 200 });
      await call({ query: { size: '0x10' }, expect: 400 });
      await call({ as: null, expect: 401 });
    },
    'chat-server GET /v1/api/rooms/unjoined': async (call) => {
      await call({ as: tokens.cleo, expect: 200 });
      await call({ as: tokens.cleo, query: { cursor: 'not a cursor' }, expect: 400 });
      await call({ as: null, expect: 401 });
    },
    'chat-server GET /v1/api/rooms': async (call) => {
      await call({ as: tokens.ops, expect: 200 });
      await call({ as: tokens.ops, query: { size: '101' }, expect: 400 });
      await call({ as: null, expect: 401 });
      await call({ expect: 403 });
    },
    'chat-server PUT /v1/api/rooms/leave': async (call) => {
      await call({
        as: tokens.bob,
        json: { roomId: roomA, lastReadMessageId: lines[0].messageId },
        expect: 200,
      });
      await call({ json: { roomId: roomA }, expect: 200 });
      await call({ json: { roomId: 'room-a' }, expect: 400 });
      await call({ json: { roomId: roomA, lastReadMessageId: 'last' }, expect: 400 });
      await call({ as: null, json: { roomId: roomA }, expect: 401 });
      await call({ as: tokens.cleo, json: { roomId: roomA }, expect: 403 });
      await call({ json: { roomId: unknownRoom }, expect: 404 });
      await call({ json: { roomId: roomA, lastReadMessageId: big }, expect: 413 });
      await call({ ...notJson({ roomId: roomA }), expect: 415 });
    },
    'chat-server POST /v1/api/rooms/exit/{roomId}': async (call) => {
      await call({ as: tokens.bob, params: { roomId: roomB }, expect: 200 });
      await call({ params: { roomId: 'room-b' }, expect: 400 });
      await call({ as: null, params: { roomId: roomB }, expect: 401 });
      await call({ as: tokens.cleo, params: { roomId: roomB }, expect: 403 });
      await call({ params: { roomId: unknownRoom }, expect: 404 });
    },
    'chat-server GET /v1/api/rooms/{roomId}': async (call) => {
      await call({ params: { roomId: roomA }, expect: 200 });
      await call({ as: tokens.cleo, params: { roomId: roomA }, expect: 200 });
      await call({ params: { roomId: 'room-a' }, expect: 400 });
      await call({ as: null, params: { roomId: roomA }, expect: 401 });
      await call({ params: { roomId: unknownRoom }, expect: 404 });
    },
    'chat-server GET /v1/api/chat/api/v1/rooms/joined/{roomId}': async (call) => {
      await call({ as: tokens.bob, params: { roomId: roomA }, expect: 200 });
      await call({ params: { roomId: roomA }, expect: 200 });
      await call({ params: { roomId: 'room-a' }, expect: 400 });
      await call({ as: null, params: { roomId: roomA }, expect: 401 });
      await call({ as: tokens.cleo, params: { roomId: roomA }, expect: 403 });
      await call({ params: { roomId: unknownRoom }, expect: 404 });
    },
    'chat-server GET /v1/api/chat/api/v1/history/{roomId}': async (call) => {
      await call({ params: { roomId: roomA }, expect: 200 });
      // Room B's has Bob's ENTER and EXIT lines; he is no longer a member there.
      await call({ params: { roomId: roomB }, expect: 200 });
      await call({ as: tokens.bob, params: { roomId: roomB }, expect: 403 });
      await call({ params: { roomId: roomA }, query: { after: lines[1].messageId! }, expect: 200 });
      await call({ params: { roomId: roomA }, query: { after: 'yesterday' }, expect: 400 });
      await call({ as: null, params: { roomId: roomA }, expect: 401 });
      await call({ as: tokens.cleo, params: { roomId: roomA }, expect: 403 });
      await call({ params: { roomId: unknownRoom }, expect: 404 });
    },
    'chat-server GET /v1/api/chat/history': async (call) => {
      const first = await call({ query: { roomId: roomA, size: '2' }, expect: 200 });
      const before = (first.body as { nextCursor: string | null }).nextCursor;
      if (!before) throw new Error('no nextCursor on a page of 2 of more lines');
      await call({ query: { roomId: roomA, size: '20', before }, expect: 200 });
      await call({ query: { roomId: roomA, size: '21' }, expect: 400 });
      await call({ as: null, query: { roomId: roomA }, expect: 401 });
      await call({ as: tokens.cleo, query: { roomId: roomA }, expect: 403 });
      await call({ query: { roomId: unknownRoom }, expect: 404 });
    },
    'chat-server GET /v1/api/chat/search': async (call) => {
      await expectEventually(async () => {
        const found = await call({ query: { roomId: roomA, q: 'jazz' }, expect: 200 });
        expect((found.body as { messages: unknown[] }).messages.length).toBeGreaterThan(0);
      });
      await call({ query: { roomId: roomA, q: 'sup*', size: '1' }, expect: 200 });
      await call({ query: { roomId: roomA }, expect: 400 });
      await call({ as: null, query: { roomId: roomA, q: 'jazz' }, expect: 401 });
      await call({ as: tokens.cleo, query: { roomId: roomA, q: 'jazz' }, expect: 403 });
      await call({ query: { roomId: unknownRoom, q: 'jazz' }, expect: 404 });
      // CHAT_SEARCH_RATE_LIMIT: 10 searches per 10 s per user (docs/api.md, "Limits per user").
      const roomId = danRoom;
      for (let n = 1; n <= 10; n += 1)
        await call({ as: tokens.dan, query: { roomId, q: 'jazz' }, expect: 200 });
      await call({ as: tokens.dan, query: { roomId, q: 'jazz' }, expect: 429 });
    },
    'chat-server POST /v1/api/chat/api/v1/message': async (call) => {
      // Lines of room A were sent (201) while setting up; a resend answers the stored line.
      await call({
        json: { roomId: roomA, clientMessageId: 'ann-1', content: 'Anyone up for some jazz tonight?' },
        expect: 201,
      });
      await call({ json: { roomId: roomA, clientMessageId: 'ann-x' }, expect: 400 });
      await call({
        json: { roomId: roomA, clientMessageId: 'ann-x', content: 'x'.repeat(2001) },
        expect: 400,
      });
      await call({ as: null, json: { roomId: roomA, clientMessageId: 'ann-x', content: 'hi' }, expect: 401 });
      await call({
        as: tokens.cleo,
        json: { roomId: roomA, clientMessageId: 'cleo-1', content: 'hi' },
        expect: 403,
      });
      await call({ json: { roomId: unknownRoom, clientMessageId: 'ann-x', content: 'hi' }, expect: 404 });
      await call({
        as: tokens.bob,
        json: { roomId: roomA, clientMessageId: 'ann-1', content: 'mine now' },
        expect: 409,
      });
      await call({ json: { roomId: roomA, clientMessageId: 'ann-x', content: big }, expect: 413 });
      await call({ ...notJson({ roomId: roomA, clientMessageId: 'ann-x', content: 'hi' }), expect: 415 });
      // CHAT_SEND_RATE_LIMIT: 20 lines per 10 s per user.
      const roomId = danRoom;
      for (let n = 1; n <= 20; n += 1)
        await call({ as: tokens.dan, json: { roomId, clientMessageId: `dan-${n}`, content: `line ${n}` } });
      await call({
        as: tokens.dan,
        json: { roomId, clientMessageId: 'dan-21', content: 'one too many' },
        expect: 429,
      });
    },
    'presence-server GET /api/v1/presence/{roomId}/on': async (call) => {
      await call({ params: { roomId: roomA }, expect: 200 });
      await call({ as: null, params: { roomId: roomA }, expect: 401 });
      await call({ as: tokens.cleo, params: { roomId: roomA }, expect: 403 });
      await call({ params: { roomId: unknownRoom }, expect: 404 });
    },
    'presence-server PATCH /api/v1/presence/off': async (call) => {
      await call({ as: tokens.bob, json: { roomId: roomA }, expect: 200 });
      await bobHeard('off');
      // While Bob appears offline his lines are refused (403 presence-off).
      await sendLine({
        as: tokens.bob,
        json: { roomId: roomA, clientMessageId: 'bob-off', content: 'am I here?' },
        expect: 403,
      });
      await call({ json: { roomId: 5 }, expect: 400 });
      await call({ as: null, json: { roomId: roomA }, expect: 401 });
      await call({ as: tokens.cleo, json: { roomId: roomA }, expect: 403 });
      await call({ json: { roomId: unknownRoom }, expect: 404 });
      await call({ json: { roomId: big }, expect: 413 });
      await call({ ...notJson({ roomId: roomA }), expect: 415 });
    },
    'presence-server GET /api/v1/presence/{roomId}/off': async (call) => {
      await call({ params: { roomId: roomA }, expect: 200 });
      await call({ as: null, params: { roomId: roomA }, expect: 401 });
      await call({ as: tokens.cleo, params: { roomId: roomA }, expect: 403 });
      await call({ params: { roomId: unknownRoom }, expect: 404 });
    },
    'presence-server GET /api/v1/presence/{roomId}/me': async (call) => {
      await call({ as: tokens.bob, params: { roomId: roomA }, expect: 200 });
      await call({ as: null, params: { roomId: roomA }, expect: 401 });
      await call({ as: tokens.cleo, params: { roomId: roomA }, expect: 403 });
      await call({ params: { roomId: unknownRoom }, expect: 404 });
    },
    'presence-server PATCH /api/v1/presence/on': async (call) => {
      await call({ as: tokens.bob, json: { roomId: roomA }, expect: 200 });
      await bobHeard('on');
      await call({ json: { roomId: roomA }, expect: 200 });
      await call({ json: {}, expect: 400 });
      await call({ as: null, json: { roomId: roomA }, expect: 401 });
      await call({ as: tokens.cleo, json: { roomId: roomA }, expect: 403 });
      await call({ json: { roomId: unknownRoom }, expect: 404 });
      await call({ json: { roomId: big }, expect: 413 });
      await call({ ...notJson({ roomId: roomA }), expect: 415 });
    },
    'presence-server GET /internal/v1/presence/{roomId}/members/{uid}': async (call) => {
      await call({ as: null, params: { roomId: roomA, uid: 'u-bob' }, headers: internal, expect: 200 });
      await call({ as: null, params: { roomId: unknownRoom, uid: 'u-bob' }, headers: internal, expect: 200 });
      await call({ as: null, params: { roomId: roomA, uid: 'u-bob' }, expect: 401 });
    },
    'presence-server GET /internal/v1/presence/{roomId}/off': async (call) => {
      await call({ as: null, params: { roomId: roomA }, headers: internal, expect: 200 });
      await call({
        as: null,
        params: { roomId: roomA },
        headers: { 'x-internal-token': 'guess' },
        expect: 401,
      });
    },
    'presence-server GET /internal/v1/presence/{roomId}': async (call) => {
      await call({ as: null, params: { roomId: roomA }, headers: internal, expect: 200 });
      await call({ as: null, params: { roomId: unknownRoom }, headers: internal, expect: 200 });
      await call({ as: null, params: { roomId: roomA }, expect: 401 });
    },
    'presence-server GET /health/live': async (call) => {
      await call({ expect: 200 });
    },
    'presence-server GET /health/ready': async (call) => {
      await call({ expect: 200 });
    },
  };

  /** Documented answers no case provokes, by operation and status, and why. */
  const notProvoked: Record<string, string> = {
    'chat-server GET /health/live 503': 'only a process whose event loop no longer answers',
    'chat-server GET /health/ready 503':
      'needs a failing dependency (Redis, Kafka, MongoDB); see chat-server/test/readiness.test.ts',
    'presence-server GET /health/live 503': 'only a process whose event loop no longer answers',
    'presence-server GET /health/ready 503': 'needs a failing store (Redis); not in single node',
  };
  /** Shared responses (the refusals made before any route) that no call here provokes, on any operation, and why. */
  const notProvokedShared: Record<string, string> = {
    RequestTimeout: "Node's headersTimeout and requestTimeout (60 s, 300 s) are too long to wait out here",
    GatewayRateLimited:
      'GATEWAY_RATE_LIMIT_PER_MIN (3,000 a minute per address) is out of reach here; gateway/test/traffic.test.ts provokes it',
    BadGateway:
      'needs an instance that fails; gateway/test/routing.test.ts and http-proxy-faults.test.ts provoke it',
    ServiceUnavailable: 'needs no healthy instance; gateway/test/routing.test.ts provokes it',
    GatewayTimeout: 'needs an instance that hangs; gateway/test/http-proxy-faults.test.ts provokes it',
  };

  beforeAll(async () => {
    product = await startWholeProduct(env);
    Object.assign(urls, product.urls);

    const people = {
      ann: { uid: 'u-ann', nickName: 'Ann', profileImage: 'https://img.example.com/ann.png' },
      bob: { uid: 'u-bob', nickName: 'Bob' },
      cleo: { uid: 'u-cleo', nickName: 'Cleo' },
      ops: { uid: 'u-ops', nickName: 'Ops', scope: 'rooms:admin' },
      dan: { uid: 'u-dan', nickName: 'Dan' },
    };
    for (const [name, person] of Object.entries(people)) {
      tokens[name as keyof typeof tokens] = await expectEventually(async () => {
        const answer = await devToken({ as: null, json: person, expect: 200 });
        expect(answer.status).toBe(200);
        return (answer.body as { accessToken: string }).accessToken;
      });
    }

    roomA = idOf(await createRoom({ json: createBody('u-ann', 'Ann', 'pl-a'), expect: 201 }));
    roomB = idOf(await createRoom({ json: createBody('u-ann', 'Ann', 'pl-b'), expect: 201 }));
    for (const roomId of [roomA, roomB])
      await expectEventually(async () => expect((await presenceOn({ params: { roomId } })).status).toBe(200));

    // Bob joins both rooms over STOMP, as the web client does, and watches room A.
    const bob = await TestStompClient.connect(`${urls.gateway.replace(/^http/, 'ws')}/ws-chat`, tokens.bob);
    stompClients.push(bob);
    await bob.send('/chat/pub/join', { roomId: roomA });
    await bob.send('/chat/pub/join', { roomId: roomB });
    bobInbox = await bob.subscribe(`/chat/topic/room/${roomA}`);

    await say(tokens.ann, roomA, 'ann-1', 'Anyone up for some jazz tonight?');
    await say(tokens.ann, roomA, 'ann-2', 'So What is the best opener there is');
    await say(tokens.bob, roomA, 'bob-1', 'Naima for me: 음악 is 音乐, café au lait ☕');
    await say(tokens.ann, roomA, 'ann-3', 'A Love Supreme next, then');
    await say(tokens.ann, roomB, 'ann-b1', 'Room B is for bebop');

    for (const [key, run] of Object.entries(cases)) {
      try {
        await run(operation(key));
      } catch (error) {
        caseFailures.push(`${key}: the case stopped: ${(error as Error).message.split('\n')[0]}`);
      }
    }

    // docs/api.md, "Bodies and queries": a route that declares no such query field refuses it
    // with 400 invalid-payload (only /health/* is exempt), so every other operation answers it.
    for (const key of operationKeys.filter((key) => !parseKey(key).path.startsWith('/health/'))) {
      try {
        await operation(key)({
          params: { roomId: roomA, uid: 'u-bob' },
          query: { unexpected: '1' },
          headers: internal,
          expect: 400,
        });
      } catch (error) {
        caseFailures.push(`${key}: the unknown-query call failed: ${(error as Error).message}`);
      }
    }

    // docs/api.md, "Errors": what is refused before any route, on every operation: request
    // headers over 16 KiB (431), and a Host the app does not answer to (421; /health/* is exempt).
    for (const key of operationKeys) {
      const call = operation(key);
      const params = { roomId: roomA, uid: 'u-bob' };
      try {
        await call({ params, headers: { ...internal, 'x-filler': 'a'.repeat(17 * 1024) }, expect: 431 });
        if (!parseKey(key).path.startsWith('/health/'))
          await call({ params, headers: internal, host: 'rebinding.example', expect: 421 });
      } catch (error) {
        caseFailures.push(`${key}: a refusal before the route failed: ${(error as Error).message}`);
      }
    }
  });

  afterAll(async () => {
    for (const client of stompClients) await client.disconnect();
    await product?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('calls every operation of both documents, for every status they list unless it says why not, as each case meant', () => {
    const problems: string[] = [...caseFailures];
    for (const { key, request, expected, status, text } of exchanges)
      if (expected !== undefined && status !== expected)
        problems.push(`${key}: ${request} was meant to get ${expected}, got ${status} ${text.slice(0, 200)}`);
    for (const key of operationKeys) if (!cases[key]) problems.push(`${key}: no case calls it`);
    for (const key of Object.keys(cases))
      if (!operationKeys.includes(key)) problems.push(`${key}: has a case but is in no document`);
    for (const key of operationKeys) {
      const answered = new Set(exchanges.filter((exchange) => exchange.key === key).map((e) => e.status));
      for (const status of Object.keys(operationOf(key).responses)) {
        const shared = sharedResponses.get(`${key} ${status}`);
        const listed = notProvoked[`${key} ${status}`] ?? (shared && notProvokedShared[shared]);
        if (!answered.has(Number(status)) && !listed)
          problems.push(`${key}: no call was answered ${status}, and notProvoked does not say why`);
        if (answered.has(Number(status)) && listed)
          problems.push(`${key}: ${status} was answered after all; remove it from notProvoked`);
      }
    }
    for (const name of Object.keys(notProvokedShared))
      if (![...sharedResponses.values()].includes(name))
        problems.push(`notProvokedShared names ${name}, which no operation uses`);
    for (const entry of Object.keys(notProvoked)) {
      const status = entry.split(' ').pop()!;
      const key = entry.slice(0, -status.length - 1);
      if (!operationKeys.includes(key) || !operationOf(key).responses[status])
        problems.push(`notProvoked names ${entry}, which no document lists`);
    }
    expect(problems).toEqual([]);
  });

  it('answers every call with a status, a Content-Type and a body its document gives', () => {
    const ajv = strictValidators();
    const validators = new Map<string, ValidateFunction>();
    const validatorOf = (service: Service, path: string): ValidateFunction => {
      const ref = `${service}#${path}`;
      let validate = validators.get(ref);
      if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: ref })));
      return validate;
    };
    /** Each mismatch once, with the first call that showed it. */
    const found = new Map<string, string>();
    const report = (problem: string, exchange: Exchange, detail?: string) => {
      if (!found.has(problem))
        found.set(problem, `${problem} (e.g. ${detail ? `${detail} in ` : ''}${exchange.request})`);
    };

    for (const exchange of exchanges) {
      const { service, method, path } = parseKey(exchange.key);
      const at = `${exchange.key} → ${exchange.status}`;
      const responses = operationOf(exchange.key).responses;
      const documented = responses[String(exchange.status)];
      if (!documented) {
        report(
          `${at}: a status the document does not list (it lists ${Object.keys(responses).join(', ')})`,
          exchange,
        );
        continue;
      }
      if (!documented.content) {
        if (exchange.text !== '') report(`${at}: a body, where the document gives none`, exchange);
        continue;
      }
      const media = (exchange.contentType ?? '').split(';')[0].trim().toLowerCase();
      if (!documented.content[media]) {
        report(
          `${at}: Content-Type ${exchange.contentType ?? '(none)'}, where the document gives ${Object.keys(documented.content).join(', ')}`,
          exchange,
        );
        continue;
      }
      let body: unknown;
      try {
        body = JSON.parse(exchange.text);
      } catch {
        report(`${at}: the body is not JSON: ${exchange.text.slice(0, 80)}`, exchange);
        continue;
      }
      const validate = validatorOf(
        service,
        pointer(
          'paths',
          path,
          method.toLowerCase(),
          'responses',
          String(exchange.status),
          'content',
          media,
          'schema',
        ),
      );
      if (!validate(body))
        for (const error of validate.errors ?? []) {
          const { problem, detail } = describeError(error, body);
          report(`${at}: ${problem}`, exchange, detail);
        }
    }

    expect(exchanges.length).toBeGreaterThan(operationKeys.length);
    expect([...found.values()]).toEqual([]);
  });
});
