import type { ChatPermissionSource } from '../delivery/user-events';

export type { ChatPermissionSource };

export interface ChatPermission {
  readonly mayChat: boolean;
  readonly source: ChatPermissionSource;
}

/**
 * The chat server's questions about presence. `CHAT_PRESENCE` picks the adapter: the
 * presence-server one (`presence-gate.server.ts`) or, without a presence server, the local
 * "everyone may chat" one (`presence-gate.local.ts`); the handlers never know which.
 *
 * Guarantees:
 * - `maySend` is false for a member who chose to appear offline in the room, as soon as this
 *   instance learnt it (from the join lookup or from `presence.changed`), and never depends on
 *   whether an event arrived before or after the lookup. When the presence server cannot be
 *   asked, it keeps the last answer it had, and otherwise lets the member chat.
 * - `checkOnJoin` asks afresh (so a join always reflects the member's current choice) and
 *   seeds `maySend`.
 * - `anyoneOnline` is true while any member is on in the room, and also when that cannot be
 *   known: idle clean-up never closes a room where someone may be on.
 */
export abstract class PresenceGate {
  abstract maySend(roomId: string, uid: string): Promise<boolean>;

  abstract checkOnJoin(roomId: string, uid: string): Promise<ChatPermission>;

  abstract anyoneOnline(roomId: string): Promise<boolean>;
}
