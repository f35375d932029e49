/** The part of an OpenAPI 3 document read and written here (no dependency on @nestjs/swagger). */
interface OpenApiLike {
  readonly paths: Record<string, object>;
}

interface OperationLike {
  readonly requestBody?: unknown;
  responses?: Record<string, unknown>;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Every operation of `document`, with its path. */
function* operationsOf(document: OpenApiLike): Generator<[path: string, operation: OperationLike]> {
  for (const [path, item] of Object.entries(document.paths))
    for (const [method, value] of Object.entries(item as Record<string, unknown>))
      if (METHODS.has(method)) yield [path, value as OperationLike];
}

/** A refusal's body: the app's error schema, as JSON. */
const errorContent = (errorSchemaName: string) => ({
  'application/json': { schema: { $ref: `#/components/schemas/${errorSchemaName}` } },
});

/**
 * Adds to every operation that takes a body the refusals `useRestConventions` gives before any
 * route runs, with the app's error schema: 413 `payload-too-large` (over the body parser's limit)
 * and 415 `unsupported-media-type` (a body that is not JSON, an unsupported charset or encoding).
 * An operation that documents one already keeps its own.
 */
export function documentBodyRefusals<T extends OpenApiLike>(document: T, errorSchemaName: string): T {
  const content = errorContent(errorSchemaName);
  for (const [, operation] of operationsOf(document)) {
    if (!operation.requestBody) continue;
    const responses = (operation.responses ??= {});
    responses['413'] ??= { description: 'payload-too-large: the body is over the size limit', content };
    responses['415'] ??= {
      description:
        'unsupported-media-type: the body is not JSON, or its charset or encoding is not supported',
      content,
    };
  }
  return document;
}

/** An answer made before any route runs, as an OpenAPI response (`components.responses[name]`). */
interface RouteWideRefusal {
  readonly name: string;
  readonly status: string;
  readonly description: string;
  readonly headers?: Record<string, unknown>;
}

/** What every app answers before its routes (rest-conventions.ts): Node's HTTP parser. */
const PARSER_REFUSALS: readonly RouteWideRefusal[] = [
  {
    name: 'RequestTimeout',
    status: '408',
    description:
      "request-timeout: the request's headers or body did not arrive in time; the connection closes",
  },
  {
    name: 'HeadersTooLarge',
    status: '431',
    description:
      'headers-too-large: the request line and headers (query string included) are over 16 KiB; the connection closes',
  },
];

/** The Host check (allowed-hosts.ts): every path but `/health/*`. */
const UNKNOWN_HOST: RouteWideRefusal = {
  name: 'UnknownHost',
  status: '421',
  description: 'unknown-host: `Host` is not one of the names this service answers to',
};

/** What the gateway answers itself on the paths it forwards (gateway/src/routing, gateway/src/traffic). */
const GATEWAY_REFUSALS: readonly RouteWideRefusal[] = [
  {
    name: 'GatewayRateLimited',
    status: '429',
    description:
      "rate-limited (the gateway): this client address's requests are over GATEWAY_RATE_LIMIT_PER_MIN",
    headers: {
      'Retry-After': {
        description: 'Whole seconds until the same request would be taken',
        schema: { type: 'integer', minimum: 1 },
      },
    },
  },
  {
    name: 'BadGateway',
    status: '502',
    description: 'bad-gateway (the gateway): the service could not be reached, or failed, after retries',
  },
  {
    name: 'ServiceUnavailable',
    status: '503',
    description: 'service-unavailable (the gateway): no healthy instance of the service',
  },
  {
    name: 'GatewayTimeout',
    status: '504',
    description: 'gateway-timeout (the gateway): the service did not answer within GATEWAY_PROXY_TIMEOUT_MS',
  },
];

interface ResponseLike {
  description?: string;
  headers?: Record<string, unknown>;
}

interface OpenApiWithComponents extends OpenApiLike {
  components?: { responses?: Record<string, unknown> };
}

/**
 * Adds to every operation the refusals made before any route runs, as shared responses
 * (`#/components/responses/…`) with the app's error schema: 408 and 431 (Node's HTTP parser),
 * 421 (the Host check; `/health/*` is exempt) and, on the paths the gateway forwards (under
 * `publicPrefix`), the gateway's own 429, 502, 503 and 504. An operation that documents one of
 * those statuses already keeps its own answer, whose description then names the other cause too.
 */
export function documentRouteWideRefusals<T extends OpenApiWithComponents>(
  document: T,
  errorSchemaName: string,
  publicPrefix: string,
): T {
  const content = errorContent(errorSchemaName);
  const shared = ((document.components ??= {}).responses ??= {});
  for (const [path, operation] of operationsOf(document)) {
    const refusals = [
      ...PARSER_REFUSALS,
      ...(path.startsWith('/health/') ? [] : [UNKNOWN_HOST]),
      ...(path === publicPrefix || path.startsWith(`${publicPrefix}/`) ? GATEWAY_REFUSALS : []),
    ];
    const responses = (operation.responses ??= {});
    for (const { name, status, description, headers } of refusals) {
      const own = responses[status] as ResponseLike | undefined;
      if (own) {
        own.description = `${(own.description ?? '').replace(/\.?\s*$/, '')}. Also ${description}`;
        if (headers) own.headers = { ...headers, ...own.headers };
        continue;
      }
      shared[name] ??= { description, ...(headers ? { headers } : {}), content };
      responses[status] = { $ref: `#/components/responses/${name}` };
    }
    operation.responses = byStatus(responses);
  }
  return document;
}

/** The responses in the order of their status codes, as a reader looks them up. */
const byStatus = (responses: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
