import { SearchIndexer, type RoomIndexRequest } from './search-indexer.port';

/** `POST {baseUrl}/search/index/send` with a JSON body; any answer but 2xx (or no answer in time) is a failure. */
export class HttpSearchIndexer extends SearchIndexer {
  readonly enabled: boolean;

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    super();
    this.enabled = baseUrl !== '';
  }

  async deliver(request: RoomIndexRequest): Promise<void> {
    const response = await fetch(`${this.baseUrl}/search/index/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `room-${request.roomId}` },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    // Drain the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`search service answered ${response.status}`);
  }
}
