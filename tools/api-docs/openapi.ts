import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { startChatServer } from '@playlist-chat/chat-server';
import type { Env, RunningService } from '@playlist-chat/platform';
import { startPresenceServer } from '@playlist-chat/presence-server';

const repoRoot = join(__dirname, '..', '..');

export const regenerateCommand = 'UPDATE_DOCS=1 npx vitest run gateway/test/api-documents.test.ts';

/** The committed OpenAPI documents, one per service, relative to the repository root. */
export const openApiFiles = {
  'chat-server': 'docs/openapi/chat-server.json',
  'presence-server': 'docs/openapi/presence-server.json',
} as const;

export type DocumentedService = keyof typeof openApiFiles;

export interface OpenApiDocument {
  readonly path: string;
  /** The document as the app serves it at `/docs-json`. */
  readonly document: unknown;
  /** Pretty-printed as `npm run format` would, so formatting the repository never makes it drift. */
  readonly content: string;
}

async function prettyJson(path: string, document: unknown): Promise<string> {
  // JSON.stringify keeps the app's key order; prettier then settles the layout (short arrays on one line).
  return format(JSON.stringify(document, null, 2), { ...(await resolveConfig(path)), filepath: path });
}

async function fetchDocument(service: RunningService): Promise<unknown> {
  const response = await fetch(`${service.url}/docs-json`);
  if (!response.ok) throw new Error(`${service.url}/docs-json answered ${response.status}`);
  return response.json();
}

/**
 * Starts the real presence and chat servers as `npm start` does in single node (product
 * defaults; only ports, data folder and logging are pinned so the caller's environment
 * cannot change the result), and returns what each serves at `/docs-json`.
 */
export async function generateOpenApiDocuments(): Promise<Record<DocumentedService, OpenApiDocument>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'api-docs-'));
  const env: Env = {
    DEPLOYMENT_MODE: 'single',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    CHAT_PORT: '0',
    CHAT_HOST: '127.0.0.1',
    PRESENCE_PORT: '0',
    PRESENCE_HOST: '127.0.0.1',
  };
  const started: RunningService[] = [];
  try {
    const presence = await startPresenceServer(env);
    started.push(presence);
    const chat = await startChatServer(env);
    started.push(chat);
    const served = {
      'chat-server': await fetchDocument(chat),
      'presence-server': await fetchDocument(presence),
    };
    const entries = await Promise.all(
      (Object.keys(openApiFiles) as DocumentedService[]).map(async (service) => {
        const path = join(repoRoot, openApiFiles[service]);
        const document = served[service];
        return [service, { path, document, content: await prettyJson(path, document) }] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<DocumentedService, OpenApiDocument>;
  } finally {
    for (const service of started.reverse()) await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
