import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { Clock, PeriodicTask } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import { ChatInstance } from '../config/chat-instance';
import { LeaseStore } from '../storage/lease-store.port';
import { LeaseHolding, leaseTtlFor, runWhileLeased } from '../storage/leased-pass';
import { RoomStore } from '../room-store/room-store.port';
import { roomIndexRequest } from './room-index-request';
import { SearchIndexer } from './search-indexer.port';
import { SearchOutbox } from './search-outbox.port';

const BATCH = 50;
const LEASE = 'search-outbox';

/**
 * Delivers the search-index outbox on an interval: each due request goes to the
 * SearchIndexer; success removes it, failure reschedules it with exponential backoff
 * (SEARCH_RETRY_BASE_MS doubling, capped at SEARCH_RETRY_MAX_MS). With no SEARCH_URL the
 * requests stay queued, and that is logged once. One instance of a cluster delivers at a time:
 * the one holding the `search-outbox` lease.
 */
@Injectable()
export class SearchOutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SearchOutboxWorker.name);
  private readonly task: PeriodicTask;
  private toldDisabled = false;

  constructor(
    private readonly rooms: RoomStore,
    private readonly outbox: SearchOutbox,
    private readonly indexer: SearchIndexer,
    private readonly clock: Clock,
    private readonly config: ChatConfig,
    private readonly leases: LeaseStore,
    private readonly instance: ChatInstance,
    private readonly holding: LeaseHolding,
  ) {
    const intervalMs = config.chat.searchOutboxIntervalMs;
    this.task = new PeriodicTask({
      name: 'search outbox pass',
      intervalMs,
      run: () =>
        runWhileLeased(
          leases,
          { name: LEASE, owner: instance.id, ttlMs: leaseTtlFor(intervalMs), now: clock.now() },
          () => this.deliverDue(),
          this.holding,
        ),
      logger: this.logger,
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  /** Stops, then lets another instance take the outbox over at once. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
    await this.leases.release(LEASE, this.instance.id).catch(() => undefined);
    this.holding.released(LEASE);
  }

  /** One pass over what is due; passes never overlap. */
  tick(): Promise<void> {
    return this.task.runNow();
  }

  private async deliverDue(): Promise<void> {
    const due = await this.outbox.due(this.clock.now(), BATCH);
    if (due.length === 0) return;
    if (!this.indexer.enabled) {
      if (!this.toldDisabled)
        this.logger.warn('SEARCH_URL is empty: room index requests stay queued until it is set');
      this.toldDisabled = true;
      return;
    }
    for (const request of due) {
      const room = await this.rooms.get(request.roomId);
      // A room closed before it was indexed has nothing left to find.
      if (!room) {
        await this.outbox.complete(request.roomId);
        continue;
      }
      try {
        await this.indexer.deliver(roomIndexRequest(room));
        await this.outbox.complete(room.id);
      } catch (error) {
        const { searchRetryBaseMs, searchRetryMaxMs } = this.config.chat;
        const delay = Math.min(searchRetryMaxMs, searchRetryBaseMs * 2 ** Math.min(request.attempts, 30));
        const reason = error instanceof Error ? error.message : String(error);
        await this.outbox.retry(room.id, new Date(this.clock.now().getTime() + delay), reason);
        this.logger.warn(
          `indexing room ${room.id} failed (attempt ${request.attempts + 1}, next in ${delay} ms): ${reason}`,
        );
      }
    }
  }
}
