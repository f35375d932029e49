import { Injectable } from '@nestjs/common';
import { makeEvent, type PresenceEvent } from '@playlist-chat/contracts';
import { Clock, EventBus } from '@playlist-chat/platform';
import type { PresenceChange } from './presence.model';

/**
 * Publishes store changes as `presence.changed` on `presence.changes` (key: roomId), in the
 * order the store reported them, so per-room order holds for the chat server.
 *
 * The store has already recorded a change as reported when this runs: if the bus refuses
 * the event, the error propagates (a request fails with 5xx, an event handler is retried)
 * but the change is not announced again; reads stay correct, and clients reconcile with
 * `GET .../on` when they (re)join.
 */
/** Bus key of `presence.store-reset` (it is about no one room). */
const STORE_RESET_KEY = 'presence-store';

@Injectable()
export class PresenceAnnouncer {
  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  async announce(changes: readonly PresenceChange[]): Promise<void> {
    for (const { roomId, uid, nickName, state, mayChat, cause } of changes) {
      const event = makeEvent<PresenceEvent>(
        'presence.changed',
        { roomId, uid, nickName, state, mayChat, cause },
        this.clock.now(),
      );
      await this.bus.publish('presence.changes', roomId, event);
    }
  }

  /** The store lost its state: the chat servers tell it their rooms again (`presence.store-reset`). */
  async announceStoreReset(): Promise<void> {
    const event = makeEvent<PresenceEvent>('presence.store-reset', {}, this.clock.now());
    await this.bus.publish('presence.changes', STORE_RESET_KEY, event);
  }
}
