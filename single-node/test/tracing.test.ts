import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@stomp/stompjs';
import { WebSocket } from 'ws';
import { expectEventually, freePort } from '@playlist-chat/platform/testing';
import { repoRoot } from './support/repo-root';

/** One span as OTLP/HTTP JSON carries it (the fields this test reads). */
interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  /** OTLP's SpanKind: 2 server, 3 client. */
  readonly kind?: number;
  readonly attributes?: { key: string; value: { stringValue?: string } }[];
}
interface OtlpExport {
  resourceSpans: {
    resource?: { attributes?: OtlpSpan['attributes'] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}
/** A span as the collector keeps it: with the service.name of the resource that sent it. */
type CollectedSpan = OtlpSpan & { readonly service?: string };

/**
 * A stand-in OpenTelemetry collector: keeps every span POSTed to /v1/traces (OTLP/HTTP JSON) and
 * notes every request, whatever its path or encoding (`METHOD path`).
 */
async function startCollector(): Promise<{
  server: Server;
  url: string;
  spans: CollectedSpan[];
  requests: string[];
}> {
  const spans: CollectedSpan[] = [];
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/v1/traces' && request.headers['content-type']?.includes('json')) {
        const parsed = JSON.parse(body) as OtlpExport;
        for (const resource of parsed.resourceSpans) {
          const service = resource.resource?.attributes?.find((entry) => entry.key === 'service.name')?.value
            .stringValue;
          for (const scope of resource.scopeSpans)
            spans.push(...scope.spans.map((span) => ({ ...span, service })));
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, requests };
}

/**
 * A repository root of its own holding a copy of the built single node (it finds `.env` two
 * folders above its dist, as `npm start` does) and this repository's node_modules, so a test can
 * give it a `.env` without touching the real one.
 */
function builtMainUnder(dotEnv: string): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'dot-env-root-'));
  cpSync(join(repoRoot, 'single-node', 'dist'), join(root, 'single-node', 'dist'), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, '.env'), dotEnv);
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

const newTraceId = (): string => randomBytes(16).toString('hex');
const traceparentOf = (traceId: string): string => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;

/**
 * `node single-node/dist/main.js` as a real process on a free port, its output collected. A
 * variable given as undefined is left out of its environment. `root` runs it from another
 * repository root (see `builtMainUnder`), whose `.env` it reads.
 */
async function launch(env: Record<string, string | undefined>, root: string = repoRoot) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tracing-'));
  const port = await freePort();
  const merged: Record<string, string | undefined> = {
    ...process.env,
    GATEWAY_PORT: String(port),
    CHAT_PORT: '0',
    PRESENCE_PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    ...env,
  };
  const child = spawn('node', ['single-node/dist/main.js'], {
    cwd: root,
    env: Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const node = {
    child,
    output: '',
    base: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  child.stdout.on('data', (chunk: Buffer) => (node.output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (node.output += chunk.toString()));
  await expectEventually(() => expect(node.output).toContain('Playlist chat is running'), {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  return node;
}

describe('tracing and correlated logs, one process (node single-node/dist/main.js) exporting to a collector', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let node: Awaited<ReturnType<typeof launch>>;
  let base: string;

  beforeAll(async () => {
    collector = await startCollector();
    node = await launch({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100' });
    base = node.base;
  }, 90_000);

  afterAll(async () => {
    await node?.stop();
    collector?.server.close();
  });

  async function token(uid: string, nickName: string): Promise<string> {
    const response = await fetch(`${base}/v1/api/auth/dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid, nickName }),
    });
    return ((await response.json()) as { accessToken: string }).accessToken;
  }

  async function connect(accessToken: string, headers: Record<string, string> = {}): Promise<Client> {
    const client = new Client({
      webSocketFactory: () =>
        new WebSocket(`${base.replace('http', 'ws')}/ws-chat`, ['v12.stomp'], { headers }),
      connectHeaders: { Authorization: `Bearer ${accessToken}` },
      reconnectDelay: 0,
    });
    const connected = new Promise<void>((resolve) => (client.onConnect = () => resolve()));
    client.activate();
    await connected;
    return client;
  }

  it('one STOMP SEND through the gateway is one trace: gateway upgrade, STOMP SEND, store, bus and fan-out spans', async () => {
    const annToken = await token('u-ann', 'Ann');
    const created = await fetch(`${base}/v1/api/rooms/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${annToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        uid: 'u-ann',
        userName: 'Ann',
        playlist: {
          id: 'pl-1',
          name: 'Traced',
          musics: [
            {
              title: 'One',
              artist: 'A',
              playtime: '3:00',
              thumbnail: `${base}/samples/covers/night-drive.svg`,
            },
          ],
        },
      }),
    });
    expect(created.status).toBe(201);
    const room = (await created.json()) as { id: string };
    const ann = await connect(annToken);
    const seen: string[] = [];
    ann.subscribe(`/chat/topic/room/${room.id}`, (message) => seen.push(message.body));

    // Bob's browser opens the WebSocket inside trace T; his join is the SEND under test.
    const traceId = newTraceId();
    const bob = await connect(await token('u-bob', 'Bob'), { traceparent: traceparentOf(traceId) });
    const receipt = new Promise<void>((resolve) => bob.watchForReceipt('join-1', () => resolve()));
    bob.publish({
      destination: '/chat/pub/join',
      body: JSON.stringify({ roomId: room.id }),
      headers: { receipt: 'join-1' },
    });
    await receipt;
    await expectEventually(() => expect(seen.some((body) => body.includes('Bob has entered'))).toBe(true));

    const names = () => collector.spans.filter((span) => span.traceId === traceId).map((span) => span.name);
    await expectEventually(
      () =>
        expect(names()).toEqual(
          expect.arrayContaining([
            'WS upgrade /ws-chat', // gateway: its own entry
            'GET', // gateway: the proxied upgrade request (http instrumentation), carrying traceparent
            'STOMP SEND', // chat server: the frame
            'message store append', // store
            'chat.rooms publish', // bus: member-joined
            'chat.rooms process', // bus: a consumer of it, child of the publish through the event's context
            'room fan-out publish', // fan-out: the stored ENTER line
            'room fan-out receive', // fan-out: handed to this instance's subscribers (Ann)
            'presence status', // presence server: the chat server's lookup on join (may Bob chat?)
            'presence apply room.member-joined', // presence server: its roster, from the bus
          ]),
        ),
      { timeoutMs: 10_000 },
    );
    const traced = collector.spans.filter((span) => span.traceId === traceId);
    const send = traced.find((span) => span.name === 'STOMP SEND')!;
    const attribute = (span: OtlpSpan, key: string) =>
      span.attributes?.find((entry) => entry.key === key)?.value.stringValue;
    expect(attribute(send, 'messaging.destination.name')).toBe('/chat/pub/join');
    expect(attribute(send, 'stomp.receipt')).toBe('join-1');
    // Every span of the trace hangs from another span of it, except the gateway's entry.
    const ids = new Set(traced.map((span) => span.spanId));
    const roots = traced.filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId));
    expect(roots.map((span) => span.name)).toEqual(['WS upgrade /ws-chat']);
    // MESSAGE deliveries get no span (the fan-out's hot path stays bare).
    expect(names().filter((name) => name.includes('MESSAGE'))).toEqual([]);

    await ann.deactivate();
    await bob.deactivate();
  });

  it("one REST request through the gateway is one trace: the gateway's entry, its forwarding, the chat server's handling", async () => {
    const traceId = newTraceId();
    const response = await fetch(`${base}/v1/api/rooms/joined`, {
      headers: {
        authorization: `Bearer ${await token('u-rest', 'Rest')}`,
        traceparent: traceparentOf(traceId),
      },
    });
    expect(response.status).toBe(200);

    const traced = () => collector.spans.filter((span) => span.traceId === traceId);
    // The gateway's entry, its forwarding, and the chat server's entry.
    await expectEventually(() => expect(traced().length).toBeGreaterThanOrEqual(3), { timeoutMs: 10_000 });
    const forwarding = traced().find((span) => span.kind === 3); // SPAN_KIND_CLIENT
    expect(traced().filter((span) => span.parentSpanId === forwarding?.spanId)).not.toEqual([]);
    // The chat server's spans hang from the gateway's forwarding span (undici's instrumentation
    // puts it in the traceparent), not from the client's span beside the gateway's entry.
    const ids = new Set(traced().map((span) => span.spanId));
    const roots = traced().filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId));
    expect(roots).toHaveLength(1);
    expect(roots[0].kind).toBe(2); // SPAN_KIND_SERVER: the gateway's entry
  });

  it('gives a request that came without x-request-id one id: the response, the gateway’s request line and the chat server’s', async () => {
    const response = await fetch(`${base}/v1/api/rooms/joined`, {
      headers: { authorization: `Bearer ${await token('u-id', 'Id')}` },
    });
    const id = response.headers.get('x-request-id');

    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await expectEventually(() => {
      const requestLines = node.output
        .split('\n')
        .filter((text) => text.includes('"msg":"request completed"') && text.includes(`"${id}"`))
        .map((text) => JSON.parse(text) as { service: string; req: { id: string } });
      // A JSON reader takes the last of a repeated key: the app's own `service`.
      expect(
        requestLines
          .filter((line) => line.req.id === id)
          .map((line) => line.service)
          .sort(),
      ).toEqual(['chat-server', 'gateway']);
    });
  });

  it('a log line written while handling a request carries its trace id, span id and request id', async () => {
    const traceId = newTraceId();
    const response = await fetch(`${base}/v1/api/rooms/joined`, {
      headers: {
        authorization: `Bearer ${await token('u-cy', 'Cy')}`,
        traceparent: traceparentOf(traceId),
        'x-request-id': 'req-traced-1',
      },
    });
    expect(response.status).toBeLessThan(500);
    await expectEventually(() => {
      const line = node.output.split('\n').find((text) => text.includes(`"trace_id":"${traceId}"`));
      expect(line).toBeDefined();
      const parsed = JSON.parse(line!) as Record<string, unknown>;
      expect(parsed.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(parsed.req).toMatchObject({ id: 'req-traced-1' });
      expect(parsed.service).toBeTruthy();
      expect(parsed.instance).toBeTruthy();
    });
  });
});

describe('without OTEL_EXPORTER_OTLP_ENDPOINT the SDK stays off', () => {
  it('exports nothing, up to and through its shutdown, and puts no trace ids in logs, even with a traces endpoint the SDK alone would use', async () => {
    const collector = await startCollector();
    // Only the SDK itself reads these: were it started with its defaults, spans would go there.
    const node = await launch({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    try {
      const traceId = newTraceId();
      const token = await fetch(`${node.base}/v1/api/auth/dev-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uid: 'u-off', nickName: 'Off' }),
      });
      const { accessToken } = (await token.json()) as { accessToken: string };
      const response = await fetch(`${node.base}/v1/api/rooms/joined`, {
        headers: {
          authorization: `Bearer ${accessToken}`,
          traceparent: traceparentOf(traceId),
          'x-request-id': 'req-off-1',
        },
      });
      expect(response.status).toBe(200);
      await expectEventually(() => expect(node.output).toContain('req-off-1'));
      const lines = node.output.split('\n').filter((line) => line.includes('req-off-1'));
      expect(lines.length).toBeGreaterThan(0);
      // (The request's traceparent header is logged with it; no line names a trace of its own.)
      for (const line of lines) expect(line).not.toContain('trace_id');
      // A graceful stop flushes whatever a started SDK holds: nothing may have reached the collector.
      const exited = new Promise<number | null>((resolve) => node.child.once('exit', resolve));
      node.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(collector.requests).toEqual([]);
    } finally {
      await node.stop();
      collector.server.close();
    }
  }, 90_000);
});

describe('OTEL_* settings written only in .env, as npm start reads it', () => {
  it('trace the main thread (chat and presence servers) too, the real environment still winning over .env', async () => {
    const collector = await startCollector();
    const copy = builtMainUnder(
      [
        `OTEL_EXPORTER_OTLP_ENDPOINT=${collector.url}`,
        'OTEL_BSP_SCHEDULE_DELAY=100',
        'OTEL_SERVICE_NAME=named-in-dot-env',
        '',
      ].join('\n'),
    );
    const node = await launch(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
        OTEL_BSP_SCHEDULE_DELAY: undefined,
        OTEL_SERVICE_NAME: 'named-in-environment',
      },
      copy.root,
    );
    try {
      // Through the gateway, whose thread has always been traced (it starts after main read .env).
      const viaGateway = newTraceId();
      await fetch(`${node.base}/v1/api/rooms/joined`, {
        headers: { traceparent: traceparentOf(viaGateway) },
      });
      await expectEventually(
        () => expect(collector.spans.filter((span) => span.traceId === viaGateway)).not.toEqual([]),
        { timeoutMs: 10_000 },
      );
      // Straight to the chat server, which runs on the main thread: the gateway's thread sees none of it.
      const chat = /Chat server\s+(http:\/\/\S+)/.exec(node.output)?.[1];
      expect(chat).toBeDefined();
      const traceId = newTraceId();
      const response = await fetch(`${chat}/v1/api/rooms/joined`, {
        headers: { traceparent: traceparentOf(traceId) },
      });
      expect(response.status).toBe(401);

      await expectEventually(
        () => expect(collector.spans.filter((span) => span.traceId === traceId)).not.toEqual([]),
        { timeoutMs: 10_000 },
      );
      const services = new Set(
        collector.spans.filter((span) => span.traceId === traceId).map((span) => span.service),
      );
      expect([...services]).toEqual(['named-in-environment']);
    } finally {
      await node.stop();
      collector.server.close();
      copy.remove();
    }
  }, 90_000);
});
