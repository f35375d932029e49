import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Clock, PeriodicTask } from '@playlist-chat/platform';
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
  private readonly task: PeriodicTask;

  constructor(
    private readonly store: PresenceStore,
    private readonly announcer: PresenceAnnouncer,
    private readonly clock: Clock,
    private readonly config: PresenceConfig,
  ) {
    this.task = new PeriodicTask({
      name: 'sweeping lapsed devices',
      intervalMs: config.presence.sweepIntervalMs,
      run: () => this.sweep(),
      logger: new Logger(DeviceSweeper.name),
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
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
