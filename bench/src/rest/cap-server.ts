import 'reflect-metadata';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { Controller, Get, Module, Query, UseGuards, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';
import express from 'express';
import { Agent } from 'undici';
import {
  AuthError,
  AuthModule,
  authSettings,
  CatalogueErrorFilter,
  createValidationPipe,
  CurrentUser,
  JwtAuthGuard,
  LoggingModule,
  loadSettings,
  MetricsModule,
  platformSettings,
  resolveAuthKeys,
  SystemClock,
  TokenVerifier,
  useStructuredLogging,
  type Identity,
} from '@playlist-chat/platform';
import { APP_FILTER } from '@nestjs/core';
import {
  openMessageStore,
  openRoomStore,
  openSqliteConnection,
  roomViewFor,
  toChatMessage,
} from '../chat-stores';

/**
 * What the HTTP stack alone costs, for the REST bench: `GET /hello` answering a small JSON object
 * with no store behind it, on one of three stacks, in a process of its own:
 * - `express`: bare Express (the platform Nest runs on here);
 * - `nest`: bare Nest on Express, one controller;
 * - `nest-platform`: Nest with what every product request goes through: the platform's
 *   structured request logging, HTTP metrics, the bearer-token guard, the validation pipe on a
 *   query DTO and the error filter.
 * And what an endpoint costs without the framework: `express-stored` answers the product's `room`
 * endpoint (`GET /v1/api/rooms/{roomId}`) from the chat server's own SQLite store in `DATA_DIR`
 * with bare Express: the platform's token check (verified tokens remembered, as in the product),
 * the store's room read and the product's view of it, and nothing else; `express-searched` the
 * same for the `search` endpoint (`GET /v1/api/chat/search`: the member read, the store's search).
 * And what a second hop costs: `express-proxied` is `express` behind a bare forwarder in a worker
 * thread of the same process, as the single node runs its gateway: node:http in, undici's
 * `Agent.stream` out (the gateway's way), with none of the gateway's routing, retries, deadlines,
 * forwarded headers, logging or metrics. The port given is the forwarder's.
 * Usage: `node cap-server.js <variant> <port>`; prints `listening` when ready.
 */
class HelloQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  size?: number;
}

const ANSWER = { hello: 'world', items: [1, 2, 3] };

@Controller()
class BareController {
  @Get('hello')
  hello(): object {
    return ANSWER;
  }
}

@UseGuards(JwtAuthGuard)
@Controller()
class GuardedController {
  @Get('hello')
  hello(@CurrentUser() caller: Identity, @Query() query: HelloQuery): object {
    return { ...ANSWER, uid: caller.uid, size: query.size ?? null };
  }
}

@Controller()
class ValidatedController {
  @Get('hello')
  hello(@Query() query: HelloQuery): object {
    return { ...ANSWER, size: query.size ?? null };
  }
}

type Part = 'logging' | 'metrics' | 'guard' | 'validation';

const PARTS: Record<string, readonly Part[]> = {
  'nest-platform': ['logging', 'metrics', 'guard', 'validation'],
  'nest-logging': ['logging'],
  'nest-metrics': ['metrics'],
  'nest-guard': ['guard'],
  'nest-validation': ['validation'],
};

@Module({ controllers: [BareController] })
class BareModule {}

type StoredAnswer = (request: express.Request, response: express.Response, caller: Identity) => Promise<void>;
type ChatStoreConnection = Awaited<ReturnType<typeof openSqliteConnection>>;

/**
 * An endpoint of the product on bare Express, from the product's store in DATA_DIR, behind the
 * product's token check (verified tokens remembered, as in the product), and nothing else.
 */
async function expressStored(
  port: number,
  path: string,
  answerFor: (connection: ChatStoreConnection) => Promise<StoredAnswer>,
): Promise<void> {
  const platform = loadSettings(platformSettings, process.env);
  const auth = loadSettings(authSettings, process.env);
  const verifier = new TokenVerifier(
    await resolveAuthKeys({ ...auth, mode: platform.mode, dataDir: platform.dataDir }),
  );
  const answer = await answerFor(await openSqliteConnection(platform.dataDir));
  const app = express();
  const verified =
    (then: StoredAnswer): express.RequestHandler =>
    (request, response, next) => {
      const checked = async (): Promise<void> => {
        let caller: Identity;
        try {
          caller = await verifier.verify(TokenVerifier.bearer(request.headers.authorization));
        } catch (error) {
          if (!(error instanceof AuthError)) throw error;
          response.status(401).json({ message: error.reason });
          return;
        }
        await then(request, response, caller);
      };
      checked().catch(next);
    };
  app.get(path, verified(answer));
  // Where the bench verifies every user's token once before measuring (any user gets a 200).
  app.get(
    '/hello',
    verified(async (_request, response, caller) => {
      response.json({ ...ANSWER, uid: caller.uid });
    }),
  );
  app.listen(port, '127.0.0.1', () => console.log('listening'));
}

/** The product's `room` endpoint: the store's room read and the product's view of it. */
const roomAnswer = async (connection: ChatStoreConnection): Promise<StoredAnswer> => {
  const rooms = await openRoomStore(connection);
  const clock = new SystemClock();
  return async (request, response, caller) => {
    const room = await rooms.get(String(request.params.roomId));
    if (!room) {
      response.status(404).json({ code: 'unknown-room' });
      return;
    }
    response.json(roomViewFor(room, caller.uid, clock));
  };
};

/** The product's `search` endpoint: the access check's member read, the store's search, the lines' view. */
const searchAnswer = async (connection: ChatStoreConnection): Promise<StoredAnswer> => {
  const rooms = await openRoomStore(connection);
  const messages = await openMessageStore(connection);
  return async (request, response, caller) => {
    const roomId = request.query.roomId as string;
    const standing = await rooms.standing(roomId, caller.uid);
    if (!standing?.member) {
      response.status(standing ? 403 : 404).json({ code: standing ? 'not-a-member' : 'unknown-room' });
      return;
    }
    const page = await messages.search(roomId, request.query.q as string, null, SEARCH_PAGE_SIZE);
    response.json({ messages: page.items.map(toChatMessage), nextCursor: page.nextCursor });
  };
};

/** The product's page when the client does not say (CHAT_HISTORY_PAGE_DEFAULT's default), as the bench asks. */
const SEARCH_PAGE_SIZE = 12;

/** The headers a forwarder must not pass on (RFC 9110 7.6.1): each connection has its own. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
];

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept = { ...headers };
  for (const name of HOP_BY_HOP) delete kept[name];
  return kept;
}

/** A bare forwarder on `port` to `upstream`: each GET (all the bench sends) as it is, its answer streamed back. */
function bareForwarder(port: number, upstream: string): void {
  const agent = new Agent({ connections: 256 }); // GATEWAY_UPSTREAM_SOCKETS' default
  createServer((request, response) => {
    agent
      .stream(
        {
          origin: upstream,
          path: request.url ?? '/',
          method: 'GET',
          headers: endToEnd(request.headers) as Record<string, string>,
        },
        ({ statusCode, headers }) => {
          response.writeHead(statusCode, endToEnd(headers));
          return response;
        },
      )
      .catch(() => response.destroy());
  }).listen(port, '127.0.0.1', () => console.log('listening'));
}

/** `express` on a port of its own, and the forwarder to it on `port` in a worker thread. */
function expressProxied(port: number): void {
  const app = express();
  app.get('/hello', (_request, response) => {
    response.json(ANSWER);
  });
  const upstream = app.listen(0, '127.0.0.1', () => {
    const { port: upstreamPort } = upstream.address() as { port: number };
    new Worker(__filename, { workerData: { port, upstream: `http://127.0.0.1:${upstreamPort}` } });
  });
}

async function main(): Promise<void> {
  if (!isMainThread) {
    const { port, upstream } = workerData as { port: number; upstream: string };
    return bareForwarder(port, upstream);
  }
  const [variant, port] = [process.argv[2], Number(process.argv[3])];
  if (variant === 'express-proxied') return expressProxied(port);
  if (variant === 'express-stored') return expressStored(port, '/v1/api/rooms/:roomId', roomAnswer);
  if (variant === 'express-searched') return expressStored(port, '/v1/api/chat/search', searchAnswer);
  if (variant === 'express') {
    const app = express();
    app.get('/hello', (_request, response) => {
      response.json(ANSWER);
    });
    app.listen(port, '127.0.0.1', () => console.log('listening'));
    return;
  }
  let app: INestApplication<Server>;
  if (variant === 'nest') {
    app = await NestFactory.create<INestApplication<Server>>(BareModule, { logger: ['warn', 'error'] });
  } else if (variant in PARTS) {
    // nest-platform has every part; nest-<part> only that one, to see what each costs.
    const parts = PARTS[variant];
    const platform = loadSettings(platformSettings, process.env);
    const auth = loadSettings(authSettings, process.env);
    @Module({
      imports: [
        ...(parts.includes('logging')
          ? [LoggingModule.forRoot({ service: 'cap-server', settings: platform })]
          : []),
        ...(parts.includes('metrics') ? [MetricsModule.forRoot({ service: 'cap-server' })] : []),
        AuthModule.forRoot({ ...auth, mode: platform.mode, dataDir: platform.dataDir }),
      ],
      controllers: [parts.includes('guard') ? GuardedController : ValidatedController],
      providers: [{ provide: APP_FILTER, useClass: CatalogueErrorFilter }],
    })
    class PlatformModule {}
    app = await NestFactory.create<INestApplication<Server>>(PlatformModule, {
      bufferLogs: parts.includes('logging'),
      logger: parts.includes('logging') ? undefined : ['warn', 'error'],
    });
    if (parts.includes('logging')) useStructuredLogging(app);
    if (parts.includes('validation')) app.useGlobalPipes(createValidationPipe());
  } else {
    throw new Error(`unknown variant ${variant}`);
  }
  await app.listen(port, '127.0.0.1');
  console.log('listening');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
