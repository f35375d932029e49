import { Injectable } from '@nestjs/common';
import { ReadinessIndicator } from '@playlist-chat/platform';
import { PresenceStore } from '../presence/presence-store.port';

/** Ready while the presence store answers (Redis reachable; always, in memory). */
@Injectable()
export class StoreReadiness extends ReadinessIndicator {
  readonly name = 'presence-store';

  constructor(private readonly store: PresenceStore) {
    super();
  }

  async check(): Promise<void> {
    await this.store.ping();
  }
}
