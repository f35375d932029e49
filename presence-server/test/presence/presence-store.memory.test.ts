import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InMemoryPresenceStore } from '../../src/presence/presence-store.memory';
import type { PresenceStoreOptions } from '../../src/presence/presence-store.port';
import { SAVED_PRESENCE_FILE, SavedPresence } from '../../src/presence/saved-presence.sqlite';
import { presenceStoreContract } from './presence-store.contract';

const folders: string[] = [];
const newFolder = () => {
  const folder = mkdtempSync(join(tmpdir(), 'presence-saved-'));
  folders.push(folder);
  return folder;
};
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

presenceStoreContract('memory', async (options) => new InMemoryPresenceStore(options));
// Saving rosters and choices must not change any rule of the port.
presenceStoreContract(
  'memory, saved to a file',
  async (options) => new InMemoryPresenceStore(options, SavedPresence.open(newFolder())),
);

describe('memory store: rosters and "appear offline" choices outlive a restart on the same file', () => {
  const options: PresenceStoreOptions = { deviceTtlMs: 60_000 };
  const T0 = new Date('2026-03-01T12:00:00.000Z');
  const owner = { uid: 'owner', nickName: 'Owner' };
  const bob = { uid: 'bob', nickName: 'Bob' };
  const open: InMemoryPresenceStore[] = [];
  const start = (folder: string) => {
    const store = new InMemoryPresenceStore(options, SavedPresence.open(folder));
    open.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });
  const states = async (store: InMemoryPresenceStore) =>
    (await store.listStates('room-1', T0))?.map(({ uid, state, mayChat }) => ({ uid, state, mayChat })) ??
    null;

  /** A folder with a schema 1 file (choices only, from before rosters were saved): bob appears offline in room-1. */
  function choicesOnlyFile(): string {
    const folder = newFolder();
    const v1 = new DatabaseSync(join(folder, SAVED_PRESENCE_FILE));
    v1.exec(`CREATE TABLE appear_offline (room_id TEXT NOT NULL, uid TEXT NOT NULL, PRIMARY KEY (room_id, uid)) WITHOUT ROWID;
      INSERT INTO appear_offline VALUES ('room-1', 'bob');
      PRAGMA user_version = 1`);
    v1.close();
    return folder;
  }

  /** A first life: the room with bob, who chose to appear offline. */
  async function bobChoseOffline(folder: string): Promise<void> {
    const first = start(folder);
    await first.openRoom('room-1', owner, T0);
    await first.addMember('room-1', bob, T0);
    await first.connectDevice('room-1', 'owner', 'tab-1', T0);
    expect((await first.turnOff('room-1', 'bob', T0)).outcome).toBe('ok');
    await first.close();
  }

  it('knows the room at once after the restart, everyone off, bob still appearing offline', async () => {
    const folder = newFolder();
    await bobChoseOffline(folder);

    const second = start(folder);
    expect(await second.roomExists('room-1')).toBe(true);
    expect(await second.rosterKnown('room-1')).toBe(false); // the chat server is asked to tell it again
    expect(await states(second)).toEqual([
      { uid: 'bob', state: 'off', mayChat: false },
      { uid: 'owner', state: 'off', mayChat: true },
    ]);
    expect(await second.getMember('room-1', 'bob', T0)).toMatchObject({
      roomExists: true,
      appearOffline: true,
    });
    // A member may choose before anyone enters the room.
    expect((await second.turnOff('room-1', 'owner', T0)).outcome).toBe('ok');
    expect((await second.turnOn('room-1', 'owner', T0)).outcome).toBe('ok');
  });

  it('keeps bob off when the chat server tells the room again and his device connects', async () => {
    const folder = newFolder();
    await bobChoseOffline(folder);

    const second = start(folder);
    await second.addMember('room-1', owner, T0);
    // Reported once more: the chat server's gate forgot what it heard before the restart.
    expect(await second.addMember('room-1', bob, T0)).toEqual([
      { roomId: 'room-1', uid: 'bob', nickName: 'Bob', state: 'off', mayChat: false, cause: 'membership' },
    ]);
    await second.markRosterKnown('room-1');
    await second.connectDevice('room-1', 'bob', 'tab-1', T0);

    expect(await second.rosterKnown('room-1')).toBe(true);
    expect(await states(second)).toEqual([
      { uid: 'bob', state: 'off', mayChat: false },
      { uid: 'owner', state: 'off', mayChat: true },
    ]);
  });

  it('forgets the saved choice when bob turns on, leaves, or the room closes', async () => {
    for (const [how, end] of [
      ['turns on', (store: InMemoryPresenceStore) => store.turnOn('room-1', 'bob', T0)],
      ['leaves', (store: InMemoryPresenceStore) => store.removeMember('room-1', 'bob', T0)],
      ['room closes', (store: InMemoryPresenceStore) => store.closeRoom('room-1')],
    ] as const) {
      const folder = newFolder();
      await bobChoseOffline(folder);
      const second = start(folder);
      await end(second);
      await second.close();

      const third = start(folder);
      await third.addMember('room-1', owner, T0);
      await third.addMember('room-1', bob, T0);
      expect((await third.getMember('room-1', 'bob', T0)).appearOffline, how).toBe(false);
    }
  });

  it('forgets a room that closed, and a member who left, for good', async () => {
    const folder = newFolder();
    await bobChoseOffline(folder);
    const second = start(folder);
    await second.openRoom('room-2', owner, T0);
    await second.removeMember('room-1', 'bob', T0);
    await second.closeRoom('room-2');
    await second.close();

    const third = start(folder);
    expect(await states(third)).toEqual([{ uid: 'owner', state: 'off', mayChat: true }]);
    expect(await third.roomExists('room-2')).toBe(false);
  });

  it('saves a new nickname', async () => {
    const folder = newFolder();
    const first = start(folder);
    await first.openRoom('room-1', owner, T0);
    await first.addMember('room-1', { uid: 'owner', nickName: 'Renamed' }, T0);
    await first.close();

    expect((await start(folder).listStates('room-1', T0))?.map((member) => member.nickName)).toEqual([
      'Renamed',
    ]);
  });

  it('drops a member missing from the whole roster told again (a leave lost in a crash), choice and all', async () => {
    const folder = newFolder();
    await bobChoseOffline(folder);
    const second = start(folder);
    await second.addMember('room-1', owner, T0); // the chat server tells the room: Bob is not in it
    await second.markRosterKnown('room-1');
    expect(await states(second)).toEqual([{ uid: 'owner', state: 'off', mayChat: true }]);
    await second.close();

    const third = start(folder);
    expect(await states(third)).toEqual([{ uid: 'owner', state: 'off', mayChat: true }]);
    await third.addMember('room-1', bob, T0); // Bob joins again later
    expect((await third.getMember('room-1', 'bob', T0)).appearOffline).toBe(false);
  });

  it('makes no file until a room opens', async () => {
    const folder = newFolder();
    const store = start(folder);
    await store.connectDevice('room-1', 'owner', 'tab-1', T0); // a device before its room: nothing to save
    expect(existsSync(join(folder, SAVED_PRESENCE_FILE))).toBe(false);
    await store.openRoom('room-1', owner, T0);
    expect(existsSync(join(folder, SAVED_PRESENCE_FILE))).toBe(true);
  });

  it('upgrades a file that holds choices only: they wait for the room to be told again', async () => {
    const folder = choicesOnlyFile();

    const store = start(folder);
    expect(await store.roomExists('room-1')).toBe(false);
    await store.addMember('room-1', owner, T0);
    await store.addMember('room-1', bob, T0);
    expect((await store.getMember('room-1', 'bob', T0)).appearOffline).toBe(true);
    await store.close();
    expect(await states(start(folder))).toEqual([
      { uid: 'bob', state: 'off', mayChat: false },
      { uid: 'owner', state: 'off', mayChat: true },
    ]);
  });

  it('forgets a choice from a choices-only file when its member leaves before being told again', async () => {
    const folder = choicesOnlyFile();

    const store = start(folder);
    await store.addMember('room-1', owner, T0); // the room is told again: bob's choice is restored
    await store.removeMember('room-1', 'bob', T0); // his leave comes before his join
    await store.addMember('room-1', bob, T0); // and he joins again later
    expect((await store.getMember('room-1', 'bob', T0)).appearOffline).toBe(false);
    await store.close();
    expect((await start(folder).getMember('room-1', 'bob', T0)).appearOffline).toBe(false);
  });

  it('keeps the file readable by this user only, and refuses a file from a newer version', async () => {
    const folder = newFolder();
    await bobChoseOffline(folder);
    expect(statSync(join(folder, SAVED_PRESENCE_FILE)).mode & 0o777).toBe(0o600);

    const newer = new DatabaseSync(join(folder, SAVED_PRESENCE_FILE));
    newer.exec('PRAGMA user_version = 3');
    newer.close();
    expect(() => SavedPresence.open(folder)).toThrow(/has schema 3, newer than this presence server's 2/);
  });
});
