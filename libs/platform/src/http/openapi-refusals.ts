/** The part of an OpenAPI 3 document read and written here (no dependency on @nestjs/swagger). */
interface OpenApiLike {
  readonly paths: Record<string, object>;
}

interface OperationLike {
  readonly requestBody?: unknown;
  responses?: Record<string, unknown>;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * Adds to every operation that takes a body the refusals `useRestConventions` gives before any
 * route runs, with the app's error schema: 413 `payload-too-large` (over the body parser's limit)
 * and 415 `unsupported-media-type` (a body that is not JSON, an unsupported charset or encoding).
 * An operation that documents one already keeps its own.
 */
export function documentBodyRefusals<T extends OpenApiLike>(document: T, errorSchemaName: string): T {
  const content = { 'application/json': { schema: { $ref: `#/components/schemas/${errorSchemaName}` } } };
  for (const item of Object.values(document.paths)) {
    for (const [method, value] of Object.entries(item as Record<string, unknown>)) {
      const operation = value as OperationLike;
      if (!METHODS.has(method) || !operation.requestBody) continue;
      const responses = (operation.responses ??= {});
      responses['413'] ??= { description: 'payload-too-large: the body is over the size limit', content };
      responses['415'] ??= {
        description:
          'unsupported-media-type: the body is not JSON, or its charset or encoding is not supported',
        content,
      };
    }
  }
  return document;
}
