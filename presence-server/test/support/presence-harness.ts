import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeEvent, type DeviceEvent, type PresenceEvent, type RoomEvent } from '@playlist-chat/contracts';

type PresenceChanged = Extract<PresenceEvent, { type: 'presence.changed' }>;
import {
  authSettings,
  loadSettings,
  ManualClock,
  resolveAuthKeys,
  TokenIssuer,
  type Env,
  type EventSubscription,
  type RunningService,
} from '@playlist-chat/platform';
import { sharedInMemoryEventBus } from '@playlist-chat/platform/adapters';
import { expectEventually } from '@playlist-chat/platform/testing';
import { expect } from 'vitest';
import { startPresenceServer } from '../../src/index';

export const DEVICE_TTL_SECONDS = 60;

/** A presence server started in-process on a free port, with a manual clock and the shared in-process bus. */
export interface PresenceHarness {
  readonly server: RunningService;
  readonly clock: ManualClock;
  readonly dataDir: string;
  /** Every `presence.changed` the server published since start. */
  readonly announced: PresenceChanged['payload'][];
  /** Every `presence.store-reset` the server published since start. */
  readonly resets: PresenceEvent[];
  tokenFor(
    uid: string,
    options?: { nickName?: string; scopes?: string[]; issuedAt?: Date; ttlSeconds?: number },
  ): Promise<string>;
  /** What the chat server would publish. */
  roomEvent(event: RoomEvent): Promise<void>;
  deviceEvent(key: string, event: DeviceEvent): Promise<void>;
  close(): Promise<void>;
}

export async function startPresenceHarness(env: Env = {}): Promise<PresenceHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'presence-test-'));
  const clock = new ManualClock('2026-03-01T12:00:00.000Z');
  const fullEnv: Env = {
    PRESENCE_PORT: '0',
    DATA_DIR: dataDir,
    INSTANCE_ID: `test-${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'warn',
    PRESENCE_DEVICE_TTL_SECONDS: String(DEVICE_TTL_SECONDS),
    PRESENCE_SWEEP_INTERVAL_MS: '20',
    // Disconnects take effect at once unless a test is about the reconnect grace.
    PRESENCE_DISCONNECT_GRACE_SECONDS: '0',
    EVENT_RETRY_BASE_MS: '10',
    ...env,
  };
  const bus = sharedInMemoryEventBus();
  const announced: PresenceChanged['payload'][] = [];
  const resets: PresenceEvent[] = [];
  // A group of its own, so the harness sees every announcement without taking any from the chat server's group.
  const watcher: EventSubscription = await bus.subscribe(
    'presence.changes',
    `test-watcher-${randomUUID()}`,
    async (event) => {
      if (event.type === 'presence.changed') announced.push(event.payload);
      else resets.push(event);
    },
  );
  const server = await startPresenceServer(fullEnv, { clock });
  const auth = loadSettings(authSettings, fullEnv);
  const issuer = new TokenIssuer(await resolveAuthKeys({ ...auth, mode: 'single', dataDir }));

  return {
    server,
    clock,
    dataDir,
    announced,
    resets,
    tokenFor: (uid, options = {}) =>
      issuer.issue(
        { uid, nickName: options.nickName ?? uid, scopes: options.scopes },
        options.ttlSeconds ?? 3600,
        options.issuedAt,
      ),
    roomEvent: (event) => bus.publish('chat.rooms', event.payload.roomId, event),
    deviceEvent: (key, event) => bus.publish('chat.devices', key, event),
    async close() {
      await server.close();
      await watcher.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const member = (uid: string, nickName = uid) => ({ uid, nickName, profileImage: null });

type RoomOf<T extends RoomEvent['type']> = Extract<RoomEvent, { type: T }>;
type DeviceOf<T extends DeviceEvent['type']> = Extract<DeviceEvent, { type: T }>;

/** Builders for the chat server's events. */
export const events = {
  opened: (roomId: string, ownerUid: string, nickName?: string): RoomEvent =>
    makeEvent<RoomOf<'room.opened'>>('room.opened', {
      roomId,
      roomName: 'Playlist',
      owner: member(ownerUid, nickName),
    }),
  joined: (roomId: string, uid: string, nickName?: string): RoomEvent =>
    makeEvent<RoomOf<'room.member-joined'>>('room.member-joined', { roomId, member: member(uid, nickName) }),
  exited: (roomId: string, uid: string): RoomEvent =>
    makeEvent<RoomOf<'room.member-exited'>>('room.member-exited', { roomId, uid, reason: 'exit' }),
  closed: (roomId: string): RoomEvent => makeEvent<RoomOf<'room.closed'>>('room.closed', { roomId }),
  rosterResent: (roomId: string): RoomEvent =>
    makeEvent<RoomOf<'room.roster-resent'>>('room.roster-resent', { roomId }),
  connected: (roomId: string, uid: string, deviceId: string): DeviceEvent =>
    makeEvent<DeviceOf<'presence.device-connected'>>('presence.device-connected', { roomId, uid, deviceId }),
  disconnected: (roomId: string, uid: string, deviceId: string): DeviceEvent =>
    makeEvent<DeviceOf<'presence.device-disconnected'>>('presence.device-disconnected', {
      roomId,
      uid,
      deviceId,
    }),
  heartbeat: (uid: string, deviceIds: string[], roomIds: string[]): DeviceEvent =>
    makeEvent<DeviceOf<'presence.devices-heartbeat'>>('presence.devices-heartbeat', {
      uid,
      deviceIds,
      roomIds,
    }),
};

/** A small HTTP client for the presence API. */
export function presenceApi(baseUrl: string) {
  const call = async (method: string, path: string, token?: string, body?: unknown, raw?: string) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return {
    call,
    list: (roomId: string, state: 'on' | 'off', token?: string) =>
      call('GET', `/api/v1/presence/${encodeURIComponent(roomId)}/${state}`, token),
    /** uids of the list, in the order served. */
    async uids(roomId: string, state: 'on' | 'off', token: string): Promise<string[]> {
      const response = await call('GET', `/api/v1/presence/${encodeURIComponent(roomId)}/${state}`, token);
      if (response.status !== 200)
        throw new Error(`GET ${state} list: ${response.status} ${JSON.stringify(response.body)}`);
      return (response.body.members as { uid: string }[]).map((entry) => entry.uid);
    },
    turn: (state: 'on' | 'off', token: string | undefined, body: unknown) =>
      call('PATCH', `/api/v1/presence/${state}`, token, body),
    summary: async (roomId: string) =>
      (await fetch(`${baseUrl}/internal/v1/presence/${encodeURIComponent(roomId)}`)).json() as Promise<
        Record<string, unknown>
      >,
    member: (roomId: string, uid: string, headers: Record<string, string> = {}) =>
      fetch(
        `${baseUrl}/internal/v1/presence/${encodeURIComponent(roomId)}/members/${encodeURIComponent(uid)}`,
        { headers },
      ).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      })),
  };
}

/**
 * `presence_connected_members` follows devices: a member with two devices counts once, a
 * second member adds one, and each goes when their last device disconnects. Shared by the
 * memory- and Redis-store suites.
 */
export async function checkConnectedMembersGauge(harness: PresenceHarness): Promise<void> {
  const gauge = async () => {
    const text = await (await fetch(`${harness.server.url}/metrics`)).text();
    const line = /^presence_connected_members(?:\{[^}]*\})? (\S+)$/m.exec(text);
    if (!line) throw new Error('presence_connected_members is not exposed');
    return Number(line[1]);
  };
  const roomId = randomUUID();
  await harness.roomEvent(events.opened(roomId, 'alice', 'Alice'));
  await harness.roomEvent(events.joined(roomId, 'bob', 'Bob'));
  const before = await gauge();
  const expectGauge = (value: number) => expectEventually(async () => expect(await gauge()).toBe(value));
  await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'phone'));
  await harness.deviceEvent(roomId, events.connected(roomId, 'bob', 'laptop'));
  await expectGauge(before + 1);
  await harness.deviceEvent(roomId, events.connected(roomId, 'alice', 'alice-1'));
  await expectGauge(before + 2);
  await harness.deviceEvent(roomId, events.disconnected(roomId, 'bob', 'phone'));
  await harness.deviceEvent(roomId, events.disconnected(roomId, 'alice', 'alice-1'));
  await expectGauge(before + 1);
  await harness.deviceEvent(roomId, events.disconnected(roomId, 'bob', 'laptop'));
  await expectGauge(before);
}
