/** What the search service needs to index a room (the body of `POST {SEARCH_URL}/search/index/send`). */
export interface RoomIndexRequest {
  readonly roomId: string;
  readonly roomName: string;
  readonly playlistId: string;
  readonly playlistName: string;
  readonly thumbnail: string | null;
  readonly createdAt: string;
  readonly musics: ReadonlyArray<{ readonly title: string; readonly artist: string }>;
}

/**
 * Delivers room index requests to the search service. Requests are queued in the room
 * store's outbox (written with the room) and handed here by `SearchOutboxWorker`, which
 * retries with backoff, so a search service that is down loses nothing and fails nothing.
 *
 * Guarantees: `deliver` resolves only when the search service accepted the request and
 * rejects otherwise; delivery is at-least-once (the receiver dedups on `roomId`).
 */
export abstract class SearchIndexer {
  /** False when no search service is configured: requests stay queued until one is. */
  abstract readonly enabled: boolean;

  abstract deliver(request: RoomIndexRequest): Promise<void>;
}
