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
 *
 * Each sweep first asks whether the store still holds its state: a Redis that came back
 * without its data has lost every roster, device and choice, which only the chat servers can
 * tell again, so it announces `presence.store-reset` to them (marked as told only once the bus
 * took it; two instances may both announce one loss, which costs the chat servers little).
 */
@Injectable()
export class DeviceSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;
  private readonly logger = new Logger(DeviceSweeper.name);
  private sweptBefore = false;

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
      logger: this.logger,
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** One sweep: the state check, then store calls until fewer than a batch were due. */
  async sweep(): Promise<void> {
    if (!(await this.store.holdsState())) {
      // At start this is the usual case (a new memory store, with at most the rosters and
      // choices it saved, never a device); later it is a loss.
      const message = 'the presence store knows no connected device: asking the chat servers for their rooms';
      if (this.sweptBefore) this.logger.warn(`${message} (it lost its data)`);
      else this.logger.log(`${message} (new or restarted, or it lost its data)`);
      await this.announcer.announceStoreReset();
      await this.store.markHoldsState();
    }
    this.sweptBefore = true;
    const batch = this.config.presence.sweepBatch;
    for (;;) {
      const { changes, members } = await this.store.expireDevices(this.clock.now(), batch);
      await this.announcer.announce(changes);
      if (members < batch) return;
    }
  }
}
