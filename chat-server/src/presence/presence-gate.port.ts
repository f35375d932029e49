/**
 * The chat server's questions about presence. The single-node default answers them locally;
 * issue 4 binds an adapter backed by the presence server without touching the handlers.
 *
 * Guarantees: `maySend` reflects the member's state at the time of the call (a member whose
 * presence is off is refused); `anyoneOnline` is true while any member has a live session in
 * the room (idle clean-up never closes a room someone is in).
 */
export abstract class PresenceGate {
  abstract maySend(roomId: string, uid: string): Promise<boolean>;

  abstract anyoneOnline(roomId: string): Promise<boolean>;
}
