import type { NotificationEvent } from '@playlist-chat/contracts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { codeForStatus, PLATFORM_REFUSAL_CODES } from '@playlist-chat/platform';
import {
  generateOpenApiDocuments,
  openApiFiles,
  regenerateCommand,
  type DocumentedService,
  type OpenApiDocument,
} from '../../tools/api-docs/openapi';
import {
  chatErrorCodes,
  chatStompDestinations,
  stompLibraryErrorCodes,
  stompTypeSources,
  userEventsDestination,
  type StompDestination,
} from '../../tools/api-docs/stomp-api';
import { TypeShapes, type PropertyShape } from '../../tools/api-docs/type-shapes';

const repoRoot = join(__dirname, '..', '..');
const services = Object.keys(openApiFiles) as DocumentedService[];

/** The public REST routes of the product specification (SPEC.md, tables "Rooms" and "Presence"), as written there. */
const specRoutes: readonly { service: DocumentedService; method: string; path: string }[] = [
  { service: 'chat-server', method: 'POST', path: '/v1/api/rooms/create' },
  { service: 'chat-server', method: 'GET', path: '/v1/api/rooms/{roomId}' },
  { service: 'chat-server', method: 'PUT', path: '/v1/api/rooms/leave' },
  { service: 'chat-server', method: 'POST', path: '/v1/api/rooms/exit/{roomId}' },
  { service: 'chat-server', method: 'GET', path: '/v1/api/rooms/joined' },
  { service: 'chat-server', method: 'GET', path: '/v1/api/rooms/unjoined' },
  { service: 'chat-server', method: 'GET', path: '/v1/api/rooms/' },
  { service: 'chat-server', method: 'GET', path: '/v1/api/chat/api/v1/rooms/joined/{roomId}' },
  { service: 'chat-server', method: 'GET', path: '/v1/api/chat/api/v1/history/{roomId}' },
  { service: 'chat-server', method: 'GET', path: '/v1/api/chat/history' },
  { service: 'chat-server', method: 'POST', path: '/v1/api/chat/api/v1/message' },
  { service: 'presence-server', method: 'GET', path: '/api/v1/presence/{roomId}/on' },
  { service: 'presence-server', method: 'GET', path: '/api/v1/presence/{roomId}/off' },
  { service: 'presence-server', method: 'PATCH', path: '/api/v1/presence/on' },
  { service: 'presence-server', method: 'PATCH', path: '/api/v1/presence/off' },
];

interface Operation {
  readonly service: DocumentedService;
  readonly method: string;
  readonly path: string;
  readonly parameters?: unknown[];
  readonly requestBody?: unknown;
  readonly security?: unknown[];
  readonly responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface OpenApiPaths {
  readonly paths: Record<string, Record<string, object>>;
  readonly components?: { responses?: Record<string, object> };
}

/** Each operation of `document`, its shared responses (`#/components/responses/…`) resolved. */
function operationsOf(service: DocumentedService, document: unknown): Operation[] {
  const { paths, components } = document as OpenApiPaths;
  const shared = (response: object): object => {
    const ref = (response as { $ref?: string }).$ref;
    if (!ref) return response;
    const found = components?.responses?.[ref.replace('#/components/responses/', '')];
    if (!found) throw new Error(`${service}: ${ref} is not in components.responses`);
    return found;
  };
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => httpMethods.includes(method))
      .map(([method, value]) => {
        const operation = value as Omit<Operation, 'service' | 'method' | 'path'>;
        const responses = Object.fromEntries(
          Object.entries(operation.responses).map(([status, response]) => [status, shared(response)]),
        );
        return { ...operation, responses, service, method: method.toUpperCase(), path };
      }),
  );
}

/** Express matches routes with or without a trailing slash, so `/v1/api/rooms/` is the route `/v1/api/rooms`. */
const routePath = (path: string): string => (path.length > 1 ? path.replace(/\/$/, '') : path);

const label = (operation: { service: string; method: string; path: string }): string =>
  `${operation.service}: ${operation.method} ${operation.path}`;

/** Where a committed file first differs from the generated one (undefined: nowhere), so a failure says what changed. */
function firstDifference(committed: string | undefined, expected: string): string | undefined {
  if (committed === undefined) return 'the file is missing';
  if (committed === expected) return undefined;
  const left = committed.split('\n');
  const right = expected.split('\n');
  const line = right.findIndex((text, index) => text !== left[index]);
  const at = line === -1 ? right.length : line;
  const shown = (text: string | undefined) => JSON.stringify(text ?? '(end of file)');
  return `line ${at + 1} is ${shown(left[at])}; the app serves ${shown(right[at])}`;
}

describe('OpenAPI documents (docs/openapi/)', () => {
  let generated: Record<DocumentedService, OpenApiDocument>;
  let operations: Operation[];

  beforeAll(async () => {
    generated = await generateOpenApiDocuments();
    operations = services.flatMap((service) => operationsOf(service, generated[service].document));
  });

  it.each(services)('docs/openapi/%s.json is what the app serves at /docs-json', (service) => {
    const { path, content } = generated[service];
    if (process.env.UPDATE_DOCS === '1') {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
    const committed = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    expect(
      firstDifference(committed, content),
      `${openApiFiles[service]} is out of date; regenerate it with: ${regenerateCommand}`,
    ).toBeUndefined();
  });

  it('describes the refusal body as the filter writes it: a code, and errors as {field, reason} objects', () => {
    const schemaNames: Record<DocumentedService, string> = {
      'chat-server': 'ErrorView',
      'presence-server': 'ErrorResponseDto',
    };
    for (const service of services) {
      const components = (generated[service].document as { components: { schemas: Record<string, unknown> } })
        .components.schemas;
      const resolve = (schema: unknown): Record<string, unknown> => {
        const ref = (schema as { $ref?: string }).$ref;
        return (ref ? components[ref.split('/').pop()!] : schema) as Record<string, unknown>;
      };
      const error = resolve(components[schemaNames[service]]) as {
        required: string[];
        properties: Record<string, { items?: unknown }>;
      };
      expect(error.required, service).toEqual(
        expect.arrayContaining(['statusCode', 'error', 'code', 'message']),
      );
      const item = resolve(error.properties.errors.items) as {
        type: string;
        required: string[];
        properties: Record<string, { type: string }>;
      };
      expect(item, service).toMatchObject({
        type: 'object',
        required: ['field', 'reason'],
        properties: { field: { type: 'string' }, reason: { type: 'string' } },
      });
    }
  });

  it('documents 413 and 415 on every operation that takes a body', () => {
    const missing = operations
      .filter((operation) => operation.requestBody !== undefined)
      .flatMap((operation) =>
        ['413', '415']
          .filter((status) => !operation.responses[status]?.content?.['application/json']?.schema)
          .map((status) => `${label(operation)}: ${status}`),
      );
    expect(missing).toEqual([]);
  });

  it('documents every public route of the specification with its method', () => {
    const documented = new Set(
      operations.map((operation) => label({ ...operation, path: routePath(operation.path) })),
    );
    const missing = specRoutes
      .map((route) => label({ ...route, path: routePath(route.path) }))
      .filter((route) => !documented.has(route));
    expect(missing, 'routes of SPEC.md missing from the OpenAPI documents').toEqual([]);
  });

  it('documents a success response and an error response with its body for every operation', () => {
    const problems = operations.flatMap((operation) => {
      const statuses = Object.keys(operation.responses);
      const takesInput =
        (operation.parameters ?? []).length > 0 ||
        operation.requestBody !== undefined ||
        (operation.security ?? []).length > 0;
      const errors = statuses.filter((status) => /^[45]\d\d$/.test(status));
      // A route with parameters, a body or a token can be refused (4xx); the health probes take none and fail with 503.
      const refusals = takesInput ? errors.filter((status) => status.startsWith('4')) : errors;
      const found: string[] = [];
      if (!statuses.some((status) => /^2\d\d$/.test(status))) found.push('no 2xx response');
      if (refusals.length === 0) found.push(takesInput ? 'no 4xx response' : 'no error response');
      for (const status of errors.filter((code) => code.startsWith('4'))) {
        if (!operation.responses[status].content?.['application/json']?.schema)
          found.push(`${status} has no JSON body schema`);
      }
      return found.map((problem) => `${label(operation)}: ${problem}`);
    });
    expect(operations.length).toBeGreaterThanOrEqual(specRoutes.length);
    expect(problems).toEqual([]);
  });

  it("documents on every operation the refusals made before its route: Node's parser's, the Host check's and, on public paths, the gateway's", () => {
    const publicPath = /^\/(v1\/api|api\/v1\/presence)(\/|$)/;
    const problems = operations.flatMap((operation) => {
      const expected = [
        '408',
        '431',
        ...(operation.path.startsWith('/health/') ? [] : ['421']),
        ...(publicPath.test(operation.path) ? ['429', '502', '503', '504'] : []),
      ];
      return expected
        .filter((status) => !operation.responses[status]?.content?.['application/json']?.schema)
        .map((status) => `${label(operation)}: no ${status} with a JSON body`);
    });
    expect(problems).toEqual([]);
  });
});

type Node = Record<string, unknown>;

interface AsyncApiDocument {
  asyncapi: string;
  channels: Record<
    string,
    { address: string; parameters?: Node; messages?: Record<string, Node>; servers?: Node[] }
  >;
  operations: Record<string, { action: string; channel: Node; messages?: Node[] }>;
  components: { messages: Record<string, Node>; schemas: Record<string, Node> };
  'x-stomp-errors': Record<string, string>;
}

const asyncApiPath = join(repoRoot, 'docs', 'asyncapi.yaml');

/** What a `$ref` points at; only local references (`#/...`) are used in our document. */
function resolve(document: unknown, node: unknown): Node {
  const ref = (node as Node | undefined)?.$ref;
  if (typeof ref !== 'string') return node as Node;
  if (!ref.startsWith('#/')) throw new Error(`${ref}: only local references are used`);
  let target: unknown = document;
  for (const part of ref.slice(2).split('/'))
    target = (target as Node | undefined)?.[part.replace(/~1/g, '/')];
  if (target === undefined) throw new Error(`${ref} points nowhere`);
  return resolve(document, target);
}

/** Every `$ref` string in the document. */
function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' ? [value] : refsIn(value),
  );
}

/** A payload schema's fields, in the terms a TypeScript shape is compared with. */
function schemaShape(document: unknown, schema: Node): PropertyShape[] {
  const resolved = resolve(document, schema);
  const required = (resolved.required as string[] | undefined) ?? [];
  const properties = (resolved.properties as Record<string, Node> | undefined) ?? {};
  return Object.entries(properties).map(([name, raw]) => {
    const property = resolve(document, raw);
    const literals = property.const !== undefined ? [property.const] : ((property.enum as unknown[]) ?? []);
    return { name, optional: !required.includes(name), literals: literals.map(String).sort() };
  });
}

const byName = (shape: readonly PropertyShape[]): PropertyShape[] =>
  [...shape].sort((a, b) => a.name.localeCompare(b.name));

describe('AsyncAPI document (docs/asyncapi.yaml)', () => {
  const document = parse(readFileSync(asyncApiPath, 'utf8')) as AsyncApiDocument;
  const channels = Object.entries(document.channels);
  const channelOf = (address: string) => channels.find(([, channel]) => channel.address === address);
  /** Channels of the event log between services (not STOMP destinations). */
  const onTheEventLog = (channel: { servers?: Node[] }) =>
    (channel.servers ?? []).some((server) => server.$ref === '#/servers/eventLog');
  /** The operations on a channel, by the channel's key. */
  const actionsOn = (key: string): string[] =>
    Object.values(document.operations)
      .filter((operation) => operation.channel.$ref === `#/channels/${key}`)
      .map((operation) => operation.action);

  let destinations: StompDestination[];
  let shapes: TypeShapes;

  beforeAll(() => {
    destinations = chatStompDestinations();
    shapes = new TypeShapes(stompTypeSources);
  });

  it('is AsyncAPI 3.0 whose references, operations and channel parameters all hold together', () => {
    const broken = refsIn(document).filter((ref) => {
      try {
        resolve(document, { $ref: ref });
        return false;
      } catch {
        return true;
      }
    });
    const problems: string[] = broken.map((ref) => `${ref} points nowhere`);
    for (const [name, operation] of Object.entries(document.operations)) {
      const channelRef = operation.channel.$ref as string;
      if (!['send', 'receive'].includes(operation.action))
        problems.push(`${name}: action ${operation.action}`);
      // AsyncAPI 3.0: an operation's messages are references to messages of its own channel.
      for (const message of operation.messages ?? []) {
        if (!String(message.$ref).startsWith(`${channelRef}/messages/`))
          problems.push(`${name}: message ${String(message.$ref)} is not one of ${channelRef}'s`);
      }
    }
    for (const [key, channel] of channels) {
      const inAddress = [...channel.address.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      const declared = Object.keys(channel.parameters ?? {}).sort();
      if (inAddress.join() !== declared.join())
        problems.push(`${key}: address parameters ${inAddress.join()} but declares ${declared.join()}`);
    }
    expect(document.asyncapi).toBe('3.0.0');
    expect(refsIn(document).length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('describes every destination the chat server handles, and no other', () => {
    expect(destinations.map((destination) => destination.kind)).toEqual(
      expect.arrayContaining(['send', 'subscribe']),
    );
    const problems: string[] = [];
    const expectAction = (address: string, action: 'receive' | 'send', why: string) => {
      const channel = channelOf(address);
      if (!channel) problems.push(`no channel with address ${address} (${why})`);
      else if (!actionsOn(channel[0]).includes(action))
        problems.push(`channel ${channel[0]} (${address}) has no "${action}" operation (${why})`);
    };
    for (const { kind, pattern, handler } of destinations) {
      // The document is written from the application's side: it receives SENDs and sends MESSAGEs.
      if (kind === 'send') expectAction(pattern, 'receive', `SEND handled by ${handler}`);
      else expectAction(pattern, 'send', `${kind.toUpperCase()} handled by ${handler}`);
    }
    expectAction(userEventsDestination, 'send', 'personal events');
    const real = new Set([...destinations.map((destination) => destination.pattern), userEventsDestination]);
    for (const [key, channel] of channels) {
      if (!onTheEventLog(channel) && !real.has(channel.address))
        problems.push(`channel ${key} (${channel.address}) is handled by nobody`);
    }
    expect(problems).toEqual([]);
  });

  it('documents the push hand-off topic the chat server publishes on the event log', () => {
    const found = channelOf('chat.notifications');
    expect(found, 'a chat.notifications channel').toBeDefined();
    const [key, channel] = found!;
    expect(onTheEventLog(channel)).toBe(true);
    expect(actionsOn(key)).toEqual(['send']);
    const message = resolve(document, Object.values(channel.messages ?? {})[0]);
    const payload = resolve(document, message.payload);
    const type = resolve(document, (payload.properties as Record<string, Node>).type);
    const published: NotificationEvent['type'] = 'notification.line-for-offline-members';
    expect(type.const).toBe(published);
  });

  it("lists every error code of the chat server's catalogue and of the STOMP library, and no other", () => {
    const documented = Object.keys(document['x-stomp-errors']).sort();
    const library = stompLibraryErrorCodes(shapes);
    const real = [...new Set([...chatErrorCodes(), ...library])].sort();

    expect(library).toContain('unknown-destination');
    expect(
      real.filter((code) => !documented.includes(code)),
      'codes missing from x-stomp-errors',
    ).toEqual([]);
    expect(
      documented.filter((code) => !real.includes(code)),
      'codes in x-stomp-errors that nothing sends',
    ).toEqual([]);
    for (const code of documented) expect(document['x-stomp-errors'][code], code).toMatch(/\w/);
  });

  it('gives room messages exactly the fields of ChatMessage (libs/contracts/src/chat-message.ts)', () => {
    const contract = 'libs/contracts/src/chat-message.ts';
    const room = channelOf('/chat/topic/room/{roomId}')![1];
    const payloads = Object.values(room.messages ?? {}).map(
      (message) => resolve(document, message).payload as Node,
    );
    const chatMessage = byName(shapes.properties(contract, 'ChatMessage'));
    const sender = byName(shapes.properties(contract, 'MessageSender'));

    expect(payloads.length).toBeGreaterThanOrEqual(shapes.stringLiterals(contract, 'ChatMessageType').length);
    for (const payload of payloads) {
      expect(byName(schemaShape(document, payload))).toEqual(chatMessage);
      const senderSchema = (resolve(document, payload).properties as Record<string, Node>).sender;
      expect(byName(schemaShape(document, senderSchema))).toEqual(sender);
    }
  });

  it('gives personal events exactly the fields of UserEvent (chat-server/src/delivery/user-events.ts)', () => {
    const variants = shapes.variants('chat-server/src/delivery/user-events.ts', 'UserEvent').map(byName);
    const events = Object.values(channelOf(userEventsDestination)![1].messages ?? {}).map((message) =>
      byName(schemaShape(document, resolve(document, message).payload as Node)),
    );
    const typeOf = (shape: PropertyShape[]) =>
      shape.find((property) => property.name === 'type')?.literals.join();

    expect(variants.length).toBeGreaterThanOrEqual(2);
    expect(events.map(typeOf).sort()).toEqual(variants.map(typeOf).sort());
    for (const variant of variants)
      expect(events.find((event) => typeOf(event) === typeOf(variant))).toEqual(variant);
  });

  it('gives each SEND destination exactly the fields its handler accepts', () => {
    // The DTO each handler of chat-server/src/messages/chat.stomp.ts parses its body with.
    const dtoOf: Record<string, string> = {
      '/chat/pub/join': 'RoomRefDto',
      '/chat/pub/send': 'SendMessageDto',
      '/chat/pub/typing': 'RoomRefDto',
      '/chat/pub/read': 'ReadDto',
    };
    const sends = destinations.filter((destination) => destination.kind === 'send');
    expect(sends.map(({ pattern }) => pattern).sort(), 'name the DTO of every SEND destination').toEqual(
      Object.keys(dtoOf).sort(),
    );
    for (const { pattern } of sends) {
      const dto = byName(
        shapes.properties('chat-server/src/messages/dto/message-payloads.dto.ts', dtoOf[pattern]),
      );
      for (const message of Object.values(channelOf(pattern)![1].messages ?? {})) {
        const payload = resolve(document, resolve(document, message).payload);
        expect(byName(schemaShape(document, payload)), pattern).toEqual(dto);
        expect(payload.additionalProperties, `${pattern}: unknown fields are refused`).toBe(false);
      }
    }
  });
});

describe('error catalogue (docs/api.md, "Errors")', () => {
  /** The codes of the table's rows: from the section's heading to the first line after the table. */
  const documented = (): string[] => {
    const text = readFileSync(join(repoRoot, 'docs', 'api.md'), 'utf8');
    const section = text.slice(text.indexOf('\n## Errors\n'));
    const table = section.slice(0, section.indexOf('\n\n', section.indexOf('\n|')));
    return [...table.matchAll(/^\| `([a-z-]+)`/gm)].map((match) => match[1]).sort();
  };

  it('lists every code a client can be refused with: the chat catalogue, the platform’s, the gateway’s handshake', () => {
    const real = [
      ...new Set([
        ...chatErrorCodes(),
        ...Object.values(PLATFORM_REFUSAL_CODES),
        'invalid-request', // Node's HTTP parser refusing a request (rest-conventions.ts)
        codeForStatus(426), // a WebSocket version other than 13 (websocket-handshake.ts)
      ]),
    ].sort();
    expect(
      real.filter((code) => !documented().includes(code)),
      'codes missing from the table',
    ).toEqual([]);
    expect(
      documented().filter((code) => !real.includes(code)),
      'codes in the table that nothing sends',
    ).toEqual([]);
  });
});
