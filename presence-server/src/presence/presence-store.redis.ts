import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { PresenceChangeCause, PresenceState } from '@playlist-chat/contracts';
import { Redis } from 'ioredis';
import { closeRedis, pingNow } from '@playlist-chat/platform/adapters';
import {
  byNickName,
  type ChoiceOutcome,
  type MemberLookup,
  type MemberPresence,
  type PresenceChange,
  type RosterMember,
} from './presence.model';
import { PresenceStore, type PresenceStoreOptions } from './presence-store.port';
import { presenceKeys, presenceScripts, type PresenceScriptName } from './presence-store.redis-scripts';

export interface RedisPresenceStoreOptions extends PresenceStoreOptions {
  /** `redis://host:port/db`. */
  readonly url: string;
  /** Prefix of every key, so several deployments (or tests) can share one Redis. */
  readonly keyPrefix: string;
}

/** Device sets left behind by a dead sweeper are removed by Redis after this long (real time). */
const backstopMs = (deviceTtlMs: number): number => Math.max(deviceTtlMs * 10, 3_600_000);

/**
 * Presence in Redis, shared by every presence-server instance. Mutations are Lua scripts
 * (atomic, see `presence-store.redis-scripts.ts`); reads are one MULTI round trip whose
 * command count does not grow with the room: a 1,000-member room's list costs the same six
 * commands (MULTI, EXISTS, HGETALL, SMEMBERS, ZRANGEBYSCORE, EXEC) as a 2-member one.
 */
export class RedisPresenceStore extends PresenceStore {
  private readonly logger = new Logger(RedisPresenceStore.name);
  private readonly redis: Redis;
  private readonly shas = new Map<PresenceScriptName, string>();

  constructor(private readonly options: RedisPresenceStoreOptions) {
    super();
    // A command fails after a few reconnect attempts instead of waiting forever, so an event
    // handler's failure reaches the bus's retry/dead-letter path and a request gets a 5xx.
    this.redis = new Redis(options.url, { maxRetriesPerRequest: 2 });
    // Connection errors (each failed reconnect while Redis is down) go to the log as one line
    // each, like the platform's Redis adapters do: without a listener, ioredis writes them to
    // stderr itself ("[ioredis] Unhandled error event" and a stack), outside the JSON log.
    this.redis.on('error', (error: Error) => this.logger.warn(`Redis connection: ${error.message}`));
    for (const [name, lua] of Object.entries(presenceScripts)) {
      this.shas.set(name as PresenceScriptName, createHash('sha1').update(lua).digest('hex'));
    }
  }

  async openRoom(roomId: string, owner: RosterMember, now: Date): Promise<PresenceChange[]> {
    return changesOf(await this.run('addMember', now, [roomId, owner.uid, owner.nickName, 'opened']));
  }

  async addMember(roomId: string, member: RosterMember, now: Date): Promise<PresenceChange[]> {
    return changesOf(await this.run('addMember', now, [roomId, member.uid, member.nickName, 'joined']));
  }

  /** Only a room that exists (XX): a room closed meanwhile stays closed. */
  async markRosterKnown(roomId: string): Promise<void> {
    await this.redis.set(presenceKeys.room(this.options.keyPrefix, roomId), OPENED, 'XX');
  }

  async removeMember(roomId: string, uid: string, now: Date): Promise<PresenceChange[]> {
    return changesOf(await this.run('removeMember', now, [roomId, uid]));
  }

  async closeRoom(roomId: string): Promise<void> {
    await this.run('closeRoom', new Date(0), [roomId]);
  }

  async connectDevice(roomId: string, uid: string, deviceId: string, now: Date): Promise<PresenceChange[]> {
    return changesOf(await this.run('connectDevice', now, [roomId, uid, deviceId]));
  }

  async disconnectDevice(
    roomId: string,
    uid: string,
    deviceId: string,
    now: Date,
  ): Promise<PresenceChange[]> {
    const graceMs = this.options.disconnectGraceMs ?? 0;
    const graceUntil = graceMs > 0 ? String(now.getTime() + graceMs) : '';
    return changesOf(await this.run('disconnectDevice', now, [roomId, uid, deviceId, graceUntil]));
  }

  async refreshDevices(
    uid: string,
    deviceIds: readonly string[],
    roomIds: readonly string[],
    now: Date,
  ): Promise<PresenceChange[]> {
    const rooms = [...new Set(roomIds)];
    if (rooms.length === 0 || deviceIds.length === 0) return [];
    return changesOf(
      await this.run('refreshDevices', now, [uid, String(rooms.length), ...rooms, ...deviceIds]),
    );
  }

  async expireDevices(now: Date, limit: number): Promise<{ changes: PresenceChange[]; members: number }> {
    const [members, changes] = (await this.run('expireDevices', now, [String(limit)])) as [number, unknown];
    return { members, changes: changesOf(changes) };
  }

  async turnOn(roomId: string, uid: string, now: Date): Promise<ChoiceOutcome> {
    return choiceOf(uid, await this.run('turnOn', now, [roomId, uid]));
  }

  async turnOff(roomId: string, uid: string, now: Date): Promise<ChoiceOutcome> {
    return choiceOf(uid, await this.run('turnOff', now, [roomId, uid]));
  }

  async roomExists(roomId: string): Promise<boolean> {
    return (await this.redis.exists(presenceKeys.room(this.options.keyPrefix, roomId))) === 1;
  }

  async rosterKnown(roomId: string): Promise<boolean> {
    return isWhole(await this.redis.get(presenceKeys.room(this.options.keyPrefix, roomId)));
  }

  async getMember(roomId: string, uid: string, now: Date): Promise<MemberLookup> {
    const prefix = this.options.keyPrefix;
    const [opened, nickName, offline, liveDevices] = await exec(
      this.redis
        .multi()
        .get(presenceKeys.room(prefix, roomId))
        .hget(presenceKeys.members(prefix, roomId), uid)
        .sismember(presenceKeys.offline(prefix, roomId), uid)
        .zcount(presenceKeys.devices(prefix, roomId, uid), `(${now.getTime()}`, '+inf'),
    );
    if (opened === null) return { roomExists: false, rosterKnown: false, member: null, appearOffline: false };
    const mayChat = offline !== 1;
    const member: MemberPresence | null =
      typeof nickName === 'string'
        ? { uid, nickName, mayChat, state: stateOf(mayChat, (liveDevices as number) > 0) }
        : null;
    return { roomExists: true, rosterKnown: isWhole(opened), member, appearOffline: !mayChat };
  }

  async listStates(roomId: string, now: Date): Promise<MemberPresence[] | null> {
    const prefix = this.options.keyPrefix;
    const [exists, members, offline, live] = await exec(
      this.redis
        .multi()
        .exists(presenceKeys.room(prefix, roomId))
        .hgetall(presenceKeys.members(prefix, roomId))
        .smembers(presenceKeys.offline(prefix, roomId))
        .zrangebyscore(presenceKeys.live(prefix, roomId), `(${now.getTime()}`, '+inf'),
    );
    if (exists !== 1) return null;
    const offlineSet = new Set(offline as string[]);
    const liveSet = new Set(live as string[]);
    return Object.entries(members as Record<string, string>)
      .map(([uid, nickName]): MemberPresence => {
        const mayChat = !offlineSet.has(uid);
        return { uid, nickName, mayChat, state: stateOf(mayChat, liveSet.has(uid)) };
      })
      .sort(byNickName);
  }

  async connectedMembers(): Promise<number> {
    return this.redis.zcard(presenceKeys.expiry(this.options.keyPrefix));
  }

  /** One GET of the count the scripts keep beside the reported states. */
  async membersOn(): Promise<number> {
    return Number((await this.redis.get(presenceKeys.membersOn(this.options.keyPrefix))) ?? 0);
  }

  async holdsState(): Promise<boolean> {
    return (await this.redis.exists(presenceKeys.held(this.options.keyPrefix))) === 1;
  }

  async markHoldsState(): Promise<void> {
    await this.redis.set(presenceKeys.held(this.options.keyPrefix), '1');
  }

  async ping(): Promise<void> {
    await pingNow(this.redis);
  }

  /** Never waits on a Redis that is down (a plain QUIT waits behind the queued commands). */
  async close(): Promise<void> {
    await closeRedis(this.redis);
  }

  /** EVALSHA, loading the script with EVAL when this Redis has not seen it yet (first use, restart, SCRIPT FLUSH). */
  private async run(name: PresenceScriptName, now: Date, args: readonly string[]): Promise<unknown> {
    const at = now.getTime();
    const argv = [
      this.options.keyPrefix,
      String(at),
      String(at + this.options.deviceTtlMs),
      String(backstopMs(this.options.deviceTtlMs)),
      ...args,
    ];
    try {
      return await this.redis.evalsha(this.shas.get(name)!, 0, ...argv);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.redis.eval(presenceScripts[name], 0, ...argv);
    }
  }
}

const stateOf = (mayChat: boolean, live: boolean): PresenceState => (mayChat && live ? 'on' : 'off');

/** The room key's value once its roster is whole (see the layout in presence-store.redis-scripts.ts). */
const OPENED = '1';
/** Any value but "partial": keys written before rooms could be partial hold "1" too. */
const isWhole = (value: unknown): boolean => value !== null && value !== undefined && value !== 'partial';

async function exec(transaction: ReturnType<Redis['multi']>): Promise<unknown[]> {
  const results = await transaction.exec();
  if (!results) throw new Error('Redis transaction was aborted');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

function changesOf(raw: unknown): PresenceChange[] {
  return (raw as string[][]).map(([roomId, uid, nickName, state, mayChat, cause]) => ({
    roomId,
    uid,
    nickName,
    state: state as PresenceState,
    mayChat: mayChat === 'true',
    cause: cause as PresenceChangeCause,
  }));
}

function choiceOf(uid: string, raw: unknown): ChoiceOutcome {
  const [outcome, changes, member] = raw as [string, unknown, [string, string, string] | undefined];
  if (outcome === 'unknown-room' || outcome === 'not-a-member') return { outcome };
  const [nickName, state, mayChat] = member!;
  return {
    outcome: 'ok',
    changes: changesOf(changes),
    member: { uid, nickName, state: state as PresenceState, mayChat: mayChat === 'true' },
  };
}
