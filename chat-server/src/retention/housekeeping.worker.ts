import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Clock, PeriodicTask } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import { ChatInstance } from '../config/chat-instance';
import { LeaseStore } from '../storage/lease-store.port';
import { LeaseHolding, leaseTtlFor, runWhileLeased } from '../storage/leased-pass';
import { HousekeepingService } from './housekeeping.service';

const LEASE = 'housekeeping';

/**
 * Runs housekeeping (retention, idle-room close) every CHAT_HOUSEKEEPING_INTERVAL_MS; passes
 * never overlap, and in a cluster only the instance holding the `housekeeping` lease runs them.
 */
@Injectable()
export class HousekeepingWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    housekeeping: HousekeepingService,
    config: ChatConfig,
    clock: Clock,
    private readonly leases: LeaseStore,
    private readonly instance: ChatInstance,
    private readonly holding: LeaseHolding,
  ) {
    const intervalMs = config.chat.housekeepingIntervalMs;
    this.task = new PeriodicTask({
      name: 'housekeeping',
      intervalMs,
      run: () =>
        runWhileLeased(
          leases,
          { name: LEASE, owner: instance.id, ttlMs: leaseTtlFor(intervalMs), now: clock.now() },
          () => housekeeping.run(),
          this.holding,
        ),
      logger: new Logger(HousekeepingWorker.name),
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
    await this.leases.release(LEASE, this.instance.id).catch(() => undefined);
    this.holding.released(LEASE);
  }
}
