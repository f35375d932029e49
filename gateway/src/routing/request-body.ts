import type { IncomingMessage } from 'node:http';
import { hasRequestBody } from '@playlist-chat/platform';

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes`);
  }
}

/**
 * Reads the whole request body into memory (up to `limit` bytes), so that a request can be sent
 * again to another instance when the first one could not be reached. Undefined when there is none.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (!hasRequestBody(req.headers)) return undefined;
  if (Number(req.headers['content-length'] ?? 0) > limit) throw new BodyTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
