import { Logger } from '@nestjs/common';
import type { MemberPresenceStatus } from '@playlist-chat/contracts';

/** Body of the presence server's `GET /internal/v1/presence/{roomId}`. */
export interface RoomPresenceSummary {
  readonly roomId: string;
  readonly roomExists: boolean;
  /** False while the presence server knows the room only from events after its opening (`MemberPresenceStatus.rosterKnown`). */
  readonly rosterKnown: boolean;
  readonly memberCount: number;
  readonly onCount: number;
}

/**
 * The presence server's internal read API as the chat server uses it: the lookup on join, the
 * members to notify by push, idle clean-up. Adapters: over HTTP to the instances discovery
 * lists (`presence-lookup.http.ts`), or in process when the host runs a presence server beside
 * the chat server (single node, `presence-lookup.in-process.ts`). Every method answers `null`
 * when no answer could be had, logged (throttled): callers decide the fallback.
 */
export abstract class PresenceLookup {
  abstract memberStatus(roomId: string, uid: string): Promise<MemberPresenceStatus | null>;

  /** Uids of the room's members whose state is off (push notifications). */
  abstract offMembers(roomId: string): Promise<string[] | null>;

  abstract roomSummary(roomId: string): Promise<RoomPresenceSummary | null>;
}

/**
 * What a presence server running in this process answers (its `PresenceService`): the same
 * answers as its `/internal/v1/presence` routes, without HTTP. The single node hands it to the
 * chat server (`ChatServerOptions.presence`).
 */
export abstract class PresenceQueries {
  abstract status(roomId: string, uid: string): Promise<MemberPresenceStatus>;

  abstract members(
    roomId: string,
    state: 'off',
  ): Promise<{ readonly members: readonly { readonly uid: string }[] }>;

  abstract summary(roomId: string): Promise<RoomPresenceSummary>;
}

/** Failed lookups are logged at most this often (idle clean-up asks once per room per pass). */
const WARN_EVERY_MS = 30_000;

/** One warning per WARN_EVERY_MS at most, counting the failures since the last one. */
export class LookupFailures {
  private readonly logger = new Logger(PresenceLookup.name);
  private sinceWarning = 0;
  private lastWarningAt = 0;

  record(reason: string): void {
    this.sinceWarning += 1;
    const now = Date.now();
    if (now - this.lastWarningAt < WARN_EVERY_MS) return;
    this.logger.warn(`presence lookup failed (${this.sinceWarning} since the last warning): ${reason}`);
    this.lastWarningAt = now;
    this.sinceWarning = 0;
  }
}
