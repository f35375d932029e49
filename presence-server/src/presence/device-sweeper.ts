import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Clock } from '@playlist-chat/platform';
import { PresenceConfig } from '../presence-config';
import { PresenceAnnouncer } from './presence-announcer';
import { PresenceStore } from './presence-store.port';

/**
 * Turns devices that stopped heart-beating into `presence.changed` events. Runs every
 * PRESENCE_SWEEP_INTERVAL_MS (real time) and asks the store what lapsed by the `Clock`'s
 * now, so tests move a manual clock and wait for the event. With several presence-server
 * instances on one Redis each sweeps; the store's atomic sweep reports each change once.
 */
@Injectable()
export class DeviceSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeviceSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: PresenceStore,
    private readonly announcer: PresenceAnnouncer,
    private readonly clock: Clock,
    private readonly config: PresenceConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch((error: unknown) => this.logger.error(`sweeping lapsed devices failed: ${String(error)}`))
        .finally(() => (this.running = undefined));
    }, this.config.presence.sweepIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep: repeats store calls until fewer than a batch were due. */
  async sweep(): Promise<void> {
    const batch = this.config.presence.sweepBatch;
    for (;;) {
      const { changes, members } = await this.store.expireDevices(this.clock.now(), batch);
      await this.announcer.announce(changes);
      if (members < batch) return;
    }
  }
}
