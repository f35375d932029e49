import type { Upstreams } from '../routing/upstreams';
import { instanceUrl } from '../routing/instance-pool';
import { httpRouteFor } from '../routing/routes';

export type OpenApiResult =
  | { readonly ok: true; readonly document: Record<string, unknown> }
  | { readonly ok: false; readonly statusCode: 502 | 503; readonly message: string };

/**
 * The paths of a service's document that the gateway routes to that service. The others (the
 * presence server's `/internal/...`, each service's own `/health/...`) are not reachable here:
 * listed, "Try it out" would get the gateway's 404 (or its own health) and the page would publish
 * an internal API.
 */
function routedPaths(paths: unknown, service: string): Record<string, unknown> {
  if (typeof paths !== 'object' || paths === null) return {};
  return Object.fromEntries(
    Object.entries(paths).filter(([path]) => httpRouteFor(path)?.service === service),
  );
}

/**
 * Fetches a service's OpenAPI document from one of its healthy instances (`/docs-json`, as
 * @nestjs/swagger serves it), keeps the paths the gateway routes, and points its `servers` at
 * the gateway, so "Try it out" in the Swagger UI goes through the gateway like any client.
 */
export async function fetchOpenApiDocument(
  upstreams: Upstreams,
  service: string,
  timeoutMs: number,
): Promise<OpenApiResult> {
  const pool = upstreams.pool(service);
  const tried = new Set<string>();
  let lastProblem = `no healthy ${service} instance`;
  for (let instance = pool.next(tried); instance; instance = pool.next(tried)) {
    tried.add(instance.id);
    try {
      const response = await fetch(`${instanceUrl(instance)}/docs-json`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) {
        lastProblem = `${service} answered ${response.status} for its OpenAPI document`;
        continue;
      }
      const document = (await response.json()) as Record<string, unknown>;
      return {
        ok: true,
        document: {
          ...document,
          paths: routedPaths(document.paths, service),
          servers: [{ url: '/', description: 'this gateway' }],
        },
      };
    } catch (error) {
      lastProblem = `${service} could not be reached for its OpenAPI document (${(error as Error).message})`;
    }
  }
  return { ok: false, statusCode: tried.size === 0 ? 503 : 502, message: lastProblem };
}
