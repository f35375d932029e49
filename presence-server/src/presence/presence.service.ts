import { Injectable } from '@nestjs/common';
import type { MemberPresenceStatus, PresenceState } from '@playlist-chat/contracts';
import { Clock, hasScope, withSpan, type Identity } from '@playlist-chat/platform';
import { PresenceError } from '../errors/presence-error';
import type {
  MyPresenceDto,
  PresenceChangeResultDto,
  PresenceListDto,
  RoomPresenceSummaryDto,
} from './dto/presence-responses.dto';
import { PresenceAnnouncer } from './presence-announcer';
import { PresenceStore } from './presence-store.port';

/** Scope that lets a service (not a member) read any room's lists, e.g. an operator dashboard. */
export const PRESENCE_READ_SCOPE = 'presence:read';

/** The REST use cases: lists for members, a member's own on/off, and the chat server's lookups. */
@Injectable()
export class PresenceService {
  constructor(
    private readonly store: PresenceStore,
    private readonly announcer: PresenceAnnouncer,
    private readonly clock: Clock,
  ) {}

  /** Members only (or `presence:read`): 404 unknown room, 403 non-member. */
  list(roomId: string, state: PresenceState, caller: Identity): Promise<PresenceListDto> {
    return presenceSpan('list', { 'presence.state': state }, async () => {
      const members = await this.store.listStates(roomId, this.clock.now());
      if (!members) throw new PresenceError('unknown-room');
      if (!hasScope(caller, PRESENCE_READ_SCOPE) && !members.some((member) => member.uid === caller.uid)) {
        throw new PresenceError('not-a-member');
      }
      return inState(roomId, state, members);
    });
  }

  /**
   * The caller's own state and whether they may chat: a client reads it on entering a room, so
   * it knows a choice to appear offline made before (another tab, a reload, a restart). Nobody
   * else's `mayChat` is ever shown: appearing offline looks like being offline to the others.
   */
  mine(roomId: string, caller: Identity): Promise<MyPresenceDto> {
    return presenceSpan('mine', {}, async () => {
      const lookup = await this.store.getMember(roomId, caller.uid, this.clock.now());
      if (!lookup.roomExists) throw new PresenceError('unknown-room');
      if (!lookup.member) throw new PresenceError('not-a-member');
      return { roomId, ...lookup.member };
    });
  }

  /** For the chat server (internal API): every member in `state`; an unknown room has none. */
  members(roomId: string, state: PresenceState): Promise<PresenceListDto> {
    return presenceSpan('members', { 'presence.state': state }, async () =>
      inState(roomId, state, (await this.store.listStates(roomId, this.clock.now())) ?? []),
    );
  }

  turn(roomId: string, caller: Identity, choice: PresenceState): Promise<PresenceChangeResultDto> {
    return presenceSpan(`turn ${choice}`, { 'presence.state': choice }, async (span) => {
      const now = this.clock.now();
      const result =
        choice === 'on'
          ? await this.store.turnOn(roomId, caller.uid, now)
          : await this.store.turnOff(roomId, caller.uid, now);
      span.setAttribute('presence.outcome', result.outcome);
      if (result.outcome !== 'ok') throw new PresenceError(result.outcome);
      span.setAttribute('presence.changes', result.changes.length);
      await this.announcer.announce(result.changes);
      return { roomId, ...result.member, changed: result.changes.length > 0 };
    });
  }

  /** For the chat server on join; `mayChat` depends only on the member's own choice, never on event timing. */
  status(roomId: string, uid: string): Promise<MemberPresenceStatus> {
    return presenceSpan('status', {}, async (span) => {
      const lookup = await this.store.getMember(roomId, uid, this.clock.now());
      span.setAttribute('presence.may_chat', !lookup.appearOffline);
      return {
        roomId,
        uid,
        roomExists: lookup.roomExists,
        rosterKnown: lookup.rosterKnown,
        member: lookup.member !== null,
        state: lookup.member?.state ?? 'off',
        mayChat: !lookup.appearOffline,
      };
    });
  }

  summary(roomId: string): Promise<RoomPresenceSummaryDto> {
    return presenceSpan('summary', {}, async () => {
      const [members, rosterKnown] = await Promise.all([
        this.store.listStates(roomId, this.clock.now()),
        this.store.rosterKnown(roomId),
      ]);
      return {
        roomId,
        roomExists: members !== null,
        rosterKnown: members !== null && rosterKnown,
        memberCount: members?.length ?? 0,
        onCount: members?.filter((member) => member.state === 'on').length ?? 0,
      };
    });
  }
}

/** The span `withSpan` hands its work (the OpenTelemetry API is the platform's dependency, not ours). */
type Span = Parameters<Parameters<typeof withSpan>[2]>[0];

/**
 * A use case's span, `presence <what>` (e.g. `presence status`, the chat server's lookup on join),
 * child of the request's span; no room or user id in its attributes. A no-op with tracing off.
 */
function presenceSpan<T>(
  what: string,
  attributes: Record<string, string>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return withSpan(`presence ${what}`, { attributes }, work);
}

function inState(
  roomId: string,
  state: PresenceState,
  members: ReadonlyArray<{ uid: string; nickName: string; state: PresenceState }>,
): PresenceListDto {
  const selected = members
    .filter((member) => member.state === state)
    .map(({ uid, nickName }) => ({ uid, nickName }));
  return { roomId, state, count: selected.length, members: selected };
}
